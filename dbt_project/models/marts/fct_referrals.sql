-- One row per referral (its latest version), pseudonymised: who needed what, when, and what happened.
-- Incremental, like the intermediate models it reads: a night rewrites only the referrals whose latest
-- version it received (a national table rebuilt whole took a second of every night's build). The contract
-- fixes the columns' types; on PostgreSQL a night's query reports some types otherwise than the contract's
-- table, which on_schema_change='fail' refuses, so new columns are appended (a project change rebuilds it).
{{ config(materialized='incremental', unique_key='referral_key', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}

select
    referral_key,
    child_key,
    child_key_version,
    la_code,
    la_name,
    region,
    standard_version,
    received_at,
    referral_date,
    {{ quarter_label('referral_date') }} as referral_quarter,
    referral_month,
    placement_date,
    {{ quarter_label('placement_date') }} as placement_quarter,
    needed_by,
    preferred_placement_type,
    suitable_placement_types,
    risks_to_child,
    risks_to_others,
    has_deprivation_of_liberty,
    needs_home_adaptation,
    has_communication_need,
    has_cultural_need,
    needs_solo_placement,
    must_live_with_pets,
    additional_support_count,
    need_score,
    need_band,
    is_placed,
    placement_type,
    total_weekly_cost,
    cost_core_weekly,
    cost_additional_support_weekly,
    cost_education_weekly,
    cost_other_weekly,
    placement_fit,
    displaced_foster_to_residential,
    sibling_count,
    siblings_placed_together,
    sibling_group_split,
    is_location_preferred,
    is_preferred_location_local,
    is_education_continuous,
    provider_registration,
    provider_urn,
    days_referral_to_placement
from {{ ref('int_referral_outcomes') }}
{% if is_incremental() %}
    where {{ newer_than_this('received_at') }}
{% endif %}
