-- One row per referral (its latest version): who needed what, when, and what happened.
with referrals as (
    select * from {{ ref('int_referrals_latest') }}
),

needs as (
    select * from {{ ref('int_referral_needs') }}
),

la as (
    select * from {{ ref('dim_local_authority') }}
)

select
    r.referral_key,
    r.child_key,
    r.child_key_version,
    r.la_code,
    la.la_name,
    la.region,
    r.standard_version,
    r.referral_date,
    {{ quarter_label('r.referral_date') }} as referral_quarter,
    cast(date_trunc('month', r.referral_date) as date) as referral_month,
    r.placement_date,
    {{ quarter_label('r.placement_date') }} as placement_quarter,
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
            and {{ suitability_of('r') }} = 'Preferred' then 'Preferred type'
        when {{ suitability_of('r') }} in ('Preferred', 'Suitable but not preferred') then 'Suitable type'
        when {{ suitability_of('r') }} = 'Unsuitable' then 'Unsuitable type'
        else 'Suitability not specified'
    end as placement_fit,
    coalesce(r.foster_suitability = 'Preferred' and r.placement_type = 'Residential', false)
        as displaced_foster_to_residential,
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
    case
        when r.placement_type is not null and r.placement_date >= r.referral_date
            then date_diff('day', r.referral_date, r.placement_date)
    end as days_referral_to_placement
from referrals as r
inner join needs as n on n.referral_key = r.referral_key
inner join la on la.la_code = r.la_code
