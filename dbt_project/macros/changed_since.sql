{# Incremental models keyed by referral: a night rebuilds only the referrals whose latest version arrived
   since the model was last built (received_at after the newest it holds), deleting and inserting them by
   key. The watermark is the model's own newest received_at, so an interrupted build resumes where it
   stopped. Retention and a changed dbt project trigger a full rebuild (orchestration/defs/dbt.py). #}
{% macro newer_than_this(column) -%}
    {{ column }} > (select coalesce(max(t.received_at), cast('1900-01-01' as timestamp)) from {{ this }} as t)
{%- endmacro %}
