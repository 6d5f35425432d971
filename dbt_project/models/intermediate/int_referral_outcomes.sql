-- One row per referral (its latest version): who needed what, when, and what happened, with the LA's
-- name and region. Every mart about referrals, placements or costs reads this model. Quarters are kept
-- as the date they start; marts label them. Incremental, like int_referral_needs.
{%- set preferred = contract_value('suitability', 'Preferred') %}

{{ config(materialized='incremental', unique_key='referral_key', incremental_strategy='delete+insert') }}

with referrals as (
    select * from {{ ref('int_referrals_latest') }}
    {% if is_incremental() %}
        where {{ newer_than_this('received_at') }}
    {% endif %}
),

needs as (
    select * from {{ ref('int_referral_needs') }}
),

la as (
    select * from {{ ref('stg_local_authorities') }}
)

select
    r.referral_key,
    r.received_at,
    r.child_key,
    r.child_key_version,
    r.la_code,
    la.la_name,
    la.region,
    r.standard_version,
    r.referral_date,
    {{ quarter_start('r.referral_date') }} as referral_quarter_start,
    cast(date_trunc('month', r.referral_date) as date) as referral_month,
    r.placement_date,
    {{ quarter_start('r.placement_date') }} as placement_quarter_start,
    -- costs count in the quarter the placement started (the referral's when no start date is recorded)
    {{ quarter_start('coalesce(r.placement_date, r.referral_date)') }} as cost_quarter_start,
    r.needed_by,
    n.preferred_placement_type,
    n.suitable_placement_types,
    n.risks_to_child,
    n.risks_to_others,
    n.has_deprivation_of_liberty,
    n.needs_home_adaptation,
    n.has_communication_need,
    n.has_cultural_need,
    n.needs_solo_placement,
    n.must_live_with_pets,
    n.additional_support_count,
    n.need_score,
    n.need_band,
    r.placement_type is not null as is_placed,
    r.placement_type,
    r.total_weekly_cost,
    r.cost_core_weekly,
    r.cost_additional_support_weekly,
    r.cost_education_weekly,
    r.cost_other_weekly,
    case
        when r.placement_type is null then null
        when r.placement_type = n.preferred_placement_type then 'Preferred type'
        when n.preferred_placement_type = 'Several preferred'
            and {{ suitability_of('r') }} = {{ preferred }} then 'Preferred type'
        when {{ suitability_of('r') }} in (
                {{ preferred }}, {{ contract_value('suitability', 'Suitable but not preferred') }}
            )
            then 'Suitable type'
        when {{ suitability_of('r') }} = {{ contract_value('suitability', 'Unsuitable') }} then 'Unsuitable type'
        else 'Suitability not specified'
    end as placement_fit,
    coalesce(
        r.foster_suitability = {{ preferred }}
        and r.placement_type = {{ contract_value('placement_type', 'Residential') }},
        false
    ) as displaced_foster_to_residential,
    r.sibling_count,
    r.siblings_placed_together,
    case
        when r.placement_type is null or coalesce(r.sibling_count, 0) = 0 then null
        else r.siblings_placed_together < r.sibling_count
    end as sibling_group_split,
    r.is_location_preferred,
    r.is_preferred_location_local,
    r.is_education_continuous,
    r.provider_registration,
    -- the provider as conform identified it: a well-formed URN, Unregistered, or null (unknown: blank or
    -- malformed, which rule W005 warned about)
    case when r.provider_registration is not null then r.provider_urn end as provider_urn,
    case
        when r.placement_type is not null and r.placement_date >= r.referral_date
            then {{ days_between('r.referral_date', 'r.placement_date') }}
    end as days_referral_to_placement
from referrals as r
inner join needs as n on r.referral_key = n.referral_key
inner join la on r.la_code = la.la_code
