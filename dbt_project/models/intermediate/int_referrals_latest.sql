-- One row per referral: the latest version received. A corrected resubmission supersedes the earlier
-- row of the same referral (its referral_key: placement id when present, otherwise LA + child + referral
-- date, as the intake defined it); raw keeps every version. Incremental: only referrals with a version
-- received since the last build are recomputed (over all their versions).
{{ config(materialized='incremental', unique_key='referral_key', incremental_strategy='delete+insert') }}

with changed as (
    select s.referral_key
    from {{ ref('stg_placements') }} as s
    {% if is_incremental() %}
        where {{ newer_than_this('s.received_at') }}
    {% endif %}
)

{% set versions -%}
    select * from {{ ref('stg_placements') }}  -- noqa: AM04
    where referral_key in (select c.referral_key from changed as c)
{%- endset %}
{{ first_per('referral_key', 'received_at desc, submission_id desc, source_row desc', versions) }}
