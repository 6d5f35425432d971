{# Quarters travel as the date their quarter starts; only marts label them, as 'YYYY-Qn'. #}
{% macro quarter_start(column) -%}
    cast(date_trunc('quarter', {{ column }}) as date)
{%- endmacro %}

{% macro quarter_label(column) -%}
    case when {{ column }} is not null
        then cast({{ year_of(column) }} as varchar) || '-Q' || cast({{ quarter_of(column) }} as varchar) end
{%- endmacro %}
