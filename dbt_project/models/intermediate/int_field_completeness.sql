-- How complete each field of each accepted submission is: rows with a value, per field. Only counts
-- leave this model, never values. The field list is the raw table's columns, which the intake
-- generates from the contract.
{% set lineage = ['submission_id', 'la_code', 'file_name', 'file_sha256', 'received_at', 'source_row',
                  'standard_version', 'not_collected', 'warning_codes'] %}
{% if execute %}
    {% set fields = adapter.get_columns_in_relation(source('raw', 'placements'))
                    | map(attribute='name') | reject('in', lineage) | list %}
{% else %}
    {% set fields = ['child_id'] %}
{% endif %}
{% for field in fields %}
select
    submission_id,
    '{{ field }}' as field_name,
    not bool_or(list_contains(not_collected, '{{ field }}')) as is_collected,
    cast(count(*) as integer) as rows_loaded,
    cast(count({{ field }}) as integer) as rows_filled
from {{ source('raw', 'placements') }}
group by submission_id
{% if not loop.last %}union all{% endif %}
{% endfor %}
