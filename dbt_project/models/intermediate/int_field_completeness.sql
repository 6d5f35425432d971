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

per_submission as (  -- one scan of raw: every field's counts as columns of one row per submission
    select
        submission_id,
        cast(count(*) as integer) as rows_loaded,
        {%- for field in contract_fields() %}
            cast(count({{ field }}) as integer) as filled_{{ loop.index }},
            bool_or({{ list_has('not_collected', "'" ~ field ~ "'") }}) as skipped_{{ loop.index }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ source('raw', 'placements') }}
    where submission_id in (select pending.submission_id from pending)
    group by submission_id
),

counts as (  -- ... then one row per submission and field
    {%- for field in contract_fields() %}
        select
            submission_id,
            '{{ field }}' as field_name,
            not skipped_{{ loop.index }} as is_collected,
            rows_loaded,
            filled_{{ loop.index }} as rows_filled
        from per_submission
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    *,
    case
        when is_collected then cast({{ round_float('cast(rows_filled as float8) / rows_loaded', 4) }} as float8)
    end as completeness
from counts
