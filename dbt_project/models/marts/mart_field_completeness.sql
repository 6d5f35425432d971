-- Completeness of every field in every accepted submission. Fields the submission's version of the
-- standard does not collect are marked, not counted as blank.
select
    c.submission_id,
    s.la_code,
    c.field_name,
    c.is_collected,
    c.rows_loaded,
    c.rows_filled,
    c.completeness
from {{ ref('int_field_completeness') }} as c
inner join {{ ref('stg_submissions') }} as s using (submission_id)
