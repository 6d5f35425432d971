{# Keyed pseudonyms. The key never appears in SQL: on DuckDB the functions are registered on dbt's
   connection by the warehouse.pseudonymise plugin, which holds the key in memory. #}
{% macro pseudonymise(la_column, value_column) -%}
    {{ return(adapter.dispatch('pseudonymise', 'placements')(la_column, value_column)) }}
{%- endmacro %}

{% macro default__pseudonymise(la_column, value_column) -%}
    pseudonymise_child({{ la_column }}, {{ value_column }})
{%- endmacro %}

{% macro pseudonymisation_key_version() -%}
    {{ return(adapter.dispatch('pseudonymisation_key_version', 'placements')()) }}
{%- endmacro %}

{% macro default__pseudonymisation_key_version() -%}
    pseudonymisation_key_version()
{%- endmacro %}
