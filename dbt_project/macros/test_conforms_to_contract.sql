{# Every rule of the contract on a model's columns, checked in one scan: required fields present and values
   from the contract's vocabularies (macros/contract_values.sql), as the intake's gate checked each file.
   Returns one row per rule broken: the column, the rule and how many rows break it; names and counts,
   never a value. `columns` maps a column to {not_null: true} and/or {vocabulary: name, is_list: true}
   (generated from ingest/standard/canonical.yaml). One test rather than one per column and rule: each dbt
   test is a node of the build (about 30 ms) and two events in Dagster's log, and fifty of them took over
   a second of a night. #}
{% test conforms_to_contract(model, columns) %}
{%- set vocabularies = contract_vocabularies() -%}
{%- set rules = [] -%}
{%- for column, rule in columns.items() -%}
    {%- if rule.get('not_null') -%}
        {%- do rules.append((column, 'missing', column ~ ' is null')) -%}
    {%- endif -%}
    {%- if rule.get('vocabulary') -%}
        {%- set allowed -%}
            {%- for v in vocabularies[rule['vocabulary']] -%}
                '{{ v | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
            {%- endfor -%}
        {%- endset -%}
        {%- if rule.get('is_list') -%}
            {%- do rules.append((column, 'not in ' ~ rule['vocabulary'], list_has_other_than(column, allowed))) -%}
        {%- else -%}
            {%- do rules.append((column, 'not in ' ~ rule['vocabulary'],
                column ~ ' is not null and ' ~ column ~ ' not in (' ~ allowed ~ ')')) -%}
        {%- endif -%}
    {%- endif -%}
{%- endfor %}
with counts as (
    select
    {%- for column, label, condition in rules %}
        count(*) filter (where {{ condition }}) as rule_{{ loop.index }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from {{ model }}
)
{% for column, label, condition in rules %}
select '{{ column }}' as column_name, '{{ label }}' as rule, rule_{{ loop.index }} as failing_rows
from counts where rule_{{ loop.index }} > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}
