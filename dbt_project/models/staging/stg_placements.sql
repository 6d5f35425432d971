-- GENERATED from ingest/standard/canonical.yaml by `python -m warehouse.transform.generate`: do not edit.
-- One row per accepted source row of every submission, pseudonymised: raw identifiers, officer names
-- and free text do not pass this model (the contract's `sensitivity` and `staging` decide).
-- Incremental: a night pseudonymises only the submissions it received (an accepted submission's
-- rows never change; erasure and key rotation edit this table in place).
{{ config(materialized='incremental', on_schema_change='fail') }}

select
    submission_id,
    la_code,
    file_sha256,
    received_at,
    source_row,
    standard_version,
    not_collected,
    warning_codes,
    {{ pseudonymise('la_code', 'child_id') }} as child_key,
    {{ pseudonymisation_key_version() }} as child_key_version,
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
    placement_location,
    is_location_preferred,
    is_education_continuous,
    provider_urn,
    siblings_placed_together,
    placement_type,
    referral_date,
    placement_date,
    cost_date,
    {{ pseudonymise('la_code', 'referral_identity') }} as referral_key,
    provider_registration
from {{ source('raw', 'placements') }}
{% if is_incremental() %}
    where submission_id not in (select distinct t.submission_id from {{ this }} as t)
{% endif %}
