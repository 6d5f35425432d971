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

{# On PostgreSQL: pgcrypto's hmac() over the same message as warehouse/security/pseudonymise.py (LA code,
   unit separator, value). The key is a session setting that the placements process puts in the dbt
   process's PGOPTIONS (warehouse/storage/engines.py): never in SQL text, target/, logs or statistics. #}
{% macro postgres__pseudonymise(la_column, value_column) -%}
    encode(hmac(
        cast({{ la_column }} as text) || chr(31) || cast({{ value_column }} as text),
        current_setting('placements.pseudonymisation_key'), 'sha256'
    ), 'hex')
{%- endmacro %}

{% macro postgres__pseudonymisation_key_version() -%}
    cast(current_setting('placements.pseudonymisation_key_version') as varchar)
{%- endmacro %}
