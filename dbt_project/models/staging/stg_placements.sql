-- One row per accepted source row. Conforms text and pseudonymises the child: the raw child id,
-- officer names and free-text fields stop here.
select
    submission_id,
    la_code,
    file_sha256,
    received_at,
    source_row,
    standard_version,
    not_collected,
    warning_codes,
    pseudonymise_child(la_code, child_id) as child_key,
    pseudonymisation_key_version() as child_key_version,
    placement_id is not null as has_placement_id,
    needed_by,
    sibling_count,
    is_preferred_location_local,
    out_of_la_reason,
    communication_needs,
    communication_requirements,
    home_adaptation,
    cultural_needs,
    living_companions,
    pets,
    additional_support,
    deprivation_of_liberty,
    foster_suitability,
    residential_suitability,
    supported_accommodation_suitability,
    risk_self_harm,
    risk_sexual_exploitation,
    risk_criminal_exploitation,
    risk_drug_alcohol,
    risk_eating_disorder,
    risk_missing,
    risk_to_others_physical,
    risk_to_others_sexual,
    risk_to_others_fire,
    risk_to_others_animals,
    risk_to_others_criminal,
    cost_core_weekly,
    cost_additional_support_weekly,
    cost_education_weekly,
    cost_other_weekly,
    total_weekly_cost,
    upper(replace(trim(placement_location), ' ', '')) as placement_outward_code,
    is_location_preferred,
    is_education_continuous,
    case
        when provider_urn is null then null
        when lower(trim(provider_urn)) = 'unregistered' then 'Unregistered'
        else 'Registered'
    end as provider_registration,
    siblings_placed_together,
    placement_type,
    referral_date,
    placement_date,
    cost_date,
    -- the referral's identity, for superseding resubmissions: keyed like the child, never a raw id
    case
        when placement_id is not null then pseudonymise_child(la_code, 'placement:' || placement_id)
        else pseudonymise_child(la_code, 'child:' || child_id || '|' || cast(referral_date as varchar))
    end as referral_key
from {{ source('raw', 'placements') }}
