-- How complete each field of the standard is in each accepted submission: rows with a value, per field.
-- Only counts leave this model, never values. The fields are the contract's (contract_fields, generated
-- from ingest/standard/canonical.yaml). Completeness is null for a field the version does not collect.
-- Incremental: a night counts only the submissions it has not counted, or whose rows in raw changed since
-- (an erased child leaves its submission), replacing their rows by (submission_id, field_name).
{{ config(materialized='incremental', unique_key=['submission_id', 'field_name'],
          incremental_strategy='delete+insert') }}

with in_raw as (
    select
        submission_id,
        count(*) as row_count
    from {{ source('raw', 'placements') }}
    group by submission_id
),

{% if is_incremental() %}
    counted as (
        select
            submission_id,
            max(rows_loaded) as row_count
        from {{ this }}
        group by submission_id
    ),
{% endif %}

pending as (
    select r.submission_id
    from in_raw as r
    {% if is_incremental() %}
        left join counted on r.submission_id = counted.submission_id
        where counted.row_count is distinct from r.row_count
    {% endif %}
),

rows_to_count as (
    select r.*
    from {{ source('raw', 'placements') }} as r
    where r.submission_id in (select pending.submission_id from pending)
),

counts as (
    {%- for field in contract_fields() %}
        select
            submission_id,
            '{{ field }}' as field_name,
            not bool_or({{ list_has('not_collected', "'" ~ field ~ "'") }}) as is_collected,
            cast(count(*) as integer) as rows_loaded,
            cast(count({{ field }}) as integer) as rows_filled
        from rows_to_count
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
