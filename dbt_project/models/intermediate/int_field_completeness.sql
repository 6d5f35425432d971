-- How complete each field of the standard is in each accepted submission: rows with a value, per field.
-- Only counts leave this model, never values. The fields are the contract's (contract_fields, generated
-- from ingest/standard/canonical.yaml). Completeness is null for a field the version does not collect.
-- Incremental: a submission's counts never change once it is loaded.
{{ config(materialized='incremental') }}

with counts as (
    {%- for field in contract_fields() %}
        select
            submission_id,
            '{{ field }}' as field_name,
            not bool_or({{ list_has('not_collected', "'" ~ field ~ "'") }}) as is_collected,
            cast(count(*) as integer) as rows_loaded,
            cast(count({{ field }}) as integer) as rows_filled
        from {{ source('raw', 'placements') }}
        group by submission_id
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    *,
    case
        when is_collected then cast({{ round_float('cast(rows_filled as float8) / rows_loaded', 4) }} as float8)
    end as completeness
from counts
