{# Quantiles of a money column, exact to the penny: taken over whole pence with linear interpolation,
   rounded half-up to pounds and pence. The median of an even count is the mean of the middle two. #}
{% macro pence_quantile(column, q) -%}
    {{ return(adapter.dispatch('pence_quantile', 'placements')(column, q)) }}
{%- endmacro %}

{% macro default__pence_quantile(column, q) -%}
    cast(round(quantile_cont(cast(round({{ column }} * 100) as bigint), {{ q }})) / 100 as decimal(12, 2))
{%- endmacro %}

{% macro pence_median(column) -%}
    {{ pence_quantile(column, 0.5) }}
{%- endmacro %}

{# Mean of a money column, exact to the penny: whole pence summed and divided, rounded half-up. #}
{% macro postgres__pence_quantile(column, q) -%}
    cast(round(cast(percentile_cont({{ q }}) within group (order by cast(round({{ column }} * 100) as bigint))
        as numeric)) / 100 as decimal(12, 2))
{%- endmacro %}

{% macro pence_mean(column) -%}
    {{ return(adapter.dispatch('pence_mean', 'placements')(column)) }}
{%- endmacro %}

{% macro postgres__pence_mean(column) -%}
    cast(round(cast(sum(cast(round({{ column }} * 100) as bigint)) as numeric) / count({{ column }})) / 100
        as decimal(12, 2))
{%- endmacro %}

{% macro default__pence_mean(column) -%}
    cast(round(sum(cast(round({{ column }} * 100) as bigint)) / count({{ column }})) / 100 as decimal(12, 2))
{%- endmacro %}
