-- Derived needs and preferences of each referral (latest version). Risk counts use the ten risks that
-- every version collects (the 2026 template dropped "risk to child: sexual exploitation"), so LAs on
-- different versions compare like for like. A blank answer counts as no need.
with referrals as (
    select * from {{ ref('int_referrals_latest') }}
),

flags as (
    select
        referral_key,
        coalesce(risk_self_harm = 'Risk present', false)::int
            + coalesce(risk_criminal_exploitation = 'Risk present', false)::int
            + coalesce(risk_drug_alcohol = 'Risk present', false)::int
            + coalesce(risk_eating_disorder = 'Risk present', false)::int
            + coalesce(risk_missing = 'Risk present', false)::int as risks_to_child,
        coalesce(risk_to_others_physical = 'Risk present', false)::int
            + coalesce(risk_to_others_sexual = 'Risk present', false)::int
            + coalesce(risk_to_others_fire = 'Risk present', false)::int
            + coalesce(risk_to_others_animals = 'Risk present', false)::int
            + coalesce(risk_to_others_criminal = 'Risk present', false)::int as risks_to_others,
        coalesce(deprivation_of_liberty, false) as has_deprivation_of_liberty,
        coalesce(home_adaptation, false) as needs_home_adaptation,
        coalesce(communication_needs = 'Yes', false) as has_communication_need,
        coalesce(cultural_needs in ('Required', 'Other'), false) as has_cultural_need,
        coalesce(living_companions = 'Solo placement recommended', false) as needs_solo_placement,
        coalesce(pets = 'Yes - must', false) as must_live_with_pets,
        len(list_filter(coalesce(additional_support, []), s -> s <> 'Not applicable')) as additional_support_count,
        case
            when (foster_suitability = 'Preferred')::int + (residential_suitability = 'Preferred')::int
                + (supported_accommodation_suitability = 'Preferred')::int > 1 then 'Several preferred'
            when foster_suitability = 'Preferred' then 'Foster'
            when residential_suitability = 'Preferred' then 'Residential'
            when supported_accommodation_suitability = 'Preferred' then 'Supported Accommodation'
            else 'None preferred'
        end as preferred_placement_type,
        list_filter(
            [
                case when foster_suitability in ('Preferred', 'Suitable but not preferred') then 'Foster' end,
                case when residential_suitability in ('Preferred', 'Suitable but not preferred') then 'Residential' end,
                case when supported_accommodation_suitability in ('Preferred', 'Suitable but not preferred')
                    then 'Supported Accommodation' end
            ],
            t -> t is not null
        ) as suitable_placement_types
    from referrals
)

select
    flags.*,
    risks_to_child + risks_to_others
        + 2 * has_deprivation_of_liberty::int
        + needs_solo_placement::int
        + (additional_support_count > 0)::int as need_score,
    case
        when risks_to_child + risks_to_others + 2 * has_deprivation_of_liberty::int
            + needs_solo_placement::int + (additional_support_count > 0)::int = 0 then 'Standard'
        when risks_to_child + risks_to_others + 2 * has_deprivation_of_liberty::int
            + needs_solo_placement::int + (additional_support_count > 0)::int <= 2 then 'Elevated'
        else 'Complex'
    end as need_band
from flags
