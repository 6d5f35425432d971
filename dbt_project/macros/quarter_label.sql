{# Calendar quarter of a date as 'YYYY-Qn'; null stays null. #}
{% macro quarter_label(column) -%}
    case when {{ column }} is not null
        then cast(year({{ column }}) as varchar) || '-Q' || cast(quarter({{ column }}) as varchar) end
{%- endmacro %}
