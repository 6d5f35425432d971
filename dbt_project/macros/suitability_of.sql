{# The social worker's suitability answer for the type the referral was actually placed in: for each
   placement type of the contract, its suitability column (Foster: foster_suitability). #}
{% macro suitability_of(alias) -%}
    case {{ alias }}.placement_type
        {%- for type in contract_vocabularies()['placement_type'] %}
        when {{ contract_value('placement_type', type) }}
            then {{ alias }}.{{ type | lower | replace(' ', '_') }}_suitability
        {%- endfor %}
    end
{%- endmacro %}
