{# Values of a categorical column must be canonical values of the contract. The lists are not written
   here: the intake loads them from the contract into raw.contract_values on every run. #}
{% test in_contract_vocabulary(model, column_name, field_name=none, is_list=false) %}
{% set field = field_name or column_name %}
with observed as (
    {% if is_list %}
    select unnest({{ column_name }}) as value from {{ model }}
    {% else %}
    select {{ column_name }} as value from {{ model }}
    {% endif %}
)
select value from observed
where value is not null
  and value not in (select value from {{ source('raw', 'contract_values') }} where field_name = '{{ field }}')
{% endtest %}
