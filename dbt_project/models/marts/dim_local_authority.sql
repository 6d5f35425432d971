select
    la_code,
    la_name,
    ons_code,
    region
from {{ ref('stg_local_authorities') }}
