{# Values of a categorical column must be canonical values of the contract (macros/contract_values.sql,
   generated from ingest/standard/canonical.yaml), plus any labels the model adds itself (`also`). #}
{% test in_contract_vocabulary(model, column_name, vocabulary, is_list=false, also=[]) %}
{% set allowed = contract_vocabularies()[vocabulary] + also %}
with observed as (
    {% if is_list %}
    select unnest({{ column_name }}) as value from {{ model }}
    {% else %}
    select {{ column_name }} as value from {{ model }}
    {% endif %}
)

select value from observed
where
    value is not null
    and value not in (
        {%- for v in allowed %}'{{ v | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )
{% endtest %}
