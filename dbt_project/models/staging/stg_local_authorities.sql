-- The English local authorities from the reference seed, typed.
select
    cast(la_code as varchar) as la_code,
    la_name,
    ons_code,
    region
from {{ ref('ref_local_authorities') }}
