{# The social worker's suitability answer for the type the referral was actually placed in. #}
{% macro suitability_of(alias) -%}
    case {{ alias }}.placement_type
        when 'Foster' then {{ alias }}.foster_suitability
        when 'Residential' then {{ alias }}.residential_suitability
        when 'Supported Accommodation' then {{ alias }}.supported_accommodation_suitability
    end
{%- endmacro %}
