{# GENERATED from ingest/standard/canonical.yaml by `python -m warehouse.transform.generate`: do not edit. #}

{# The controlled values of every vocabulary of the contract. #}
{% macro contract_vocabularies() %}
    {{ return({
        'urgency': ['Today', 'Within 5 days', 'More than 5 days'],
        'presence': ['Yes', 'No', 'Not specified'],
        'communication_need': ['ESOL', 'BSL', 'Makaton', 'Other', 'None'],
        'cultural_need': ['Required', 'Not required', 'Not known', 'Other'],
        'living_arrangement': ['Solo placement recommended', 'With other children recommended', 'Only with other older children', 'Only with other younger children', 'No preference'],
        'pets_allowance': ['Yes - must', 'Yes - can', 'No', 'Not known'],
        'support_type': ['Additional supervision', 'Therapeutic support', 'A worker for respite', 'Taxis to school', 'Not applicable', 'Other'],
        'suitability': ['Preferred', 'Suitable but not preferred', 'Unsuitable', 'Not specified'],
        'risk_level': ['No known risk', 'Risk present'],
        'placement_type': ['Foster', 'Residential', 'Supported Accommodation'],
        'out_of_la_reason': ['Safeguarding concerns', 'Bail conditions', 'Court order', 'Other'],
        'provider_registration': ['Registered', 'Unregistered']
    }) }}
{% endmacro %}

{# The fields of the standard, in the contract's order (the raw zone's columns after lineage). #}
{% macro contract_fields() %}
    {{ return(['child_id', 'placement_id', 'needed_by', 'sibling_count', 'preferred_location', 'is_preferred_location_local', 'out_of_la_reason', 'out_of_la_reason_other', 'communication_needs', 'communication_requirements', 'communication_requirements_other', 'home_adaptation', 'cultural_needs', 'cultural_needs_other', 'living_companions', 'pets', 'additional_support', 'additional_support_other', 'deprivation_of_liberty', 'foster_suitability', 'residential_suitability', 'supported_accommodation_suitability', 'risk_self_harm', 'risk_sexual_exploitation', 'risk_criminal_exploitation', 'risk_drug_alcohol', 'risk_eating_disorder', 'risk_missing', 'risk_other', 'risk_to_others_physical', 'risk_to_others_sexual', 'risk_to_others_fire', 'risk_to_others_animals', 'risk_to_others_criminal', 'risk_to_others_other', 'cost_core_weekly', 'cost_additional_support_weekly', 'cost_education_weekly', 'cost_other_weekly', 'total_weekly_cost', 'placement_location', 'is_location_preferred', 'is_education_continuous', 'provider_urn', 'siblings_placed_together', 'placement_type', 'referral_officer_name', 'referral_date', 'placement_officer_name', 'placement_date', 'cost_officer_name', 'cost_date']) }}
{% endmacro %}

{# A controlled value as a SQL literal; compiling fails when the contract has no such value. #}
{% macro contract_value(vocabulary, value) -%}
    {%- set values = contract_vocabularies().get(vocabulary) -%}
    {%- if values is none -%}
        {{ exceptions.raise_compiler_error("contract_value: no vocabulary '" ~ vocabulary ~ "' in the contract") }}
    {%- elif value not in values -%}
        {{ exceptions.raise_compiler_error("contract_value: '" ~ value ~ "' is not a value of " ~ vocabulary) }}
    {%- endif -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}
