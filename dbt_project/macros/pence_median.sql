{# Median of a money column, exact to the penny: the median is taken over whole pence (so an even
   count averages to at most half a penny) and rounded half-up to pounds and pence. #}
{% macro pence_median(column) -%}
    cast(round(quantile_cont(cast(round({{ column }} * 100) as bigint), 0.5)) / 100 as decimal(12, 2))
{%- endmacro %}
