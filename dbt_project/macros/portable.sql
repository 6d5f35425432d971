{# The few expressions DuckDB and PostgreSQL spell differently. default__ is DuckDB's spelling (the
   default profile, unchanged); postgres__ is the regional hub's (PLACEMENTS_WAREHOUSE_URL). #}

{% macro year_of(column) -%}
    {{ return(adapter.dispatch('year_of', 'placements')(column)) }}
{%- endmacro %}
{% macro default__year_of(column) -%} year({{ column }}) {%- endmacro %}
{% macro postgres__year_of(column) -%} cast(extract(year from {{ column }}) as integer) {%- endmacro %}

{% macro quarter_of(column) -%}
    {{ return(adapter.dispatch('quarter_of', 'placements')(column)) }}
{%- endmacro %}
{% macro default__quarter_of(column) -%} quarter({{ column }}) {%- endmacro %}
{% macro postgres__quarter_of(column) -%} cast(extract(quarter from {{ column }}) as integer) {%- endmacro %}

{# Whole days from `start` to `finish` (dates), as bigint. #}
{% macro days_between(start, finish) -%}
    {{ return(adapter.dispatch('days_between', 'placements')(start, finish)) }}
{%- endmacro %}
{% macro default__days_between(start, finish) -%} date_diff('day', {{ start }}, {{ finish }}) {%- endmacro %}
{% macro postgres__days_between(start, finish) -%}
    cast(cast({{ finish }} as date) - cast({{ start }} as date) as bigint)
{%- endmacro %}

{# The last day of the quarter that `column` falls in. #}
{% macro quarter_end(column) -%}
    {{ return(adapter.dispatch('quarter_end', 'placements')(column)) }}
{%- endmacro %}
{% macro default__quarter_end(column) -%}
    cast(last_day(date_trunc('quarter', {{ column }}) + interval 2 month) as date)
{%- endmacro %}
{% macro postgres__quarter_end(column) -%}
    cast(date_trunc('quarter', {{ column }}) + interval '3 month' - interval '1 day' as date)
{%- endmacro %}

{# A float rounded half away from zero to `digits` places (PostgreSQL rounds only numerics so). #}
{% macro round_float(column, digits) -%}
    {{ return(adapter.dispatch('round_float', 'placements')(column, digits)) }}
{%- endmacro %}
{% macro default__round_float(column, digits) -%} round({{ column }}, {{ digits }}) {%- endmacro %}
{% macro postgres__round_float(column, digits) -%}
    cast(round(cast({{ column }} as numeric), {{ digits }}) as float8)
{%- endmacro %}

{# Whether a list column holds a value (null when the list is null). #}
{% macro list_has(column, value) -%}
    {{ return(adapter.dispatch('list_has', 'placements')(column, value)) }}
{%- endmacro %}
{% macro default__list_has(column, value) -%} list_contains({{ column }}, {{ value }}) {%- endmacro %}
{% macro postgres__list_has(column, value) -%} ({{ value }} = any({{ column }})) {%- endmacro %}

{# How many elements of a list (null: empty) are not null and differ from `value`, as bigint. #}
{% macro count_other_than(column, value) -%}
    {{ return(adapter.dispatch('count_other_than', 'placements')(column, value)) }}
{%- endmacro %}
{% macro default__count_other_than(column, value) -%}
    len(list_filter(coalesce({{ column }}, []), s -> s <> {{ value }}))
{%- endmacro %}
{% macro postgres__count_other_than(column, value) -%}
    (select count(*) from unnest({{ column }}) as u (s) where u.s <> {{ value }})
{%- endmacro %}

{# A text list of the given expressions, nulls left out, in order. #}
{% macro list_without_nulls(items) -%}
    {{ return(adapter.dispatch('list_without_nulls', 'placements')(items)) }}
{%- endmacro %}
{% macro default__list_without_nulls(items) -%}
    list_filter([{{ items | join(', ') }}], t -> t is not null)
{%- endmacro %}
{% macro postgres__list_without_nulls(items) -%}
    cast(array_remove(array[{{ items | join(', ') }}]::varchar[], null) as varchar[])
{%- endmacro %}

{# The first row per `key` of `relation_sql` in the order `order_by` (the latest version of a referral). #}
{% macro first_per(key, order_by, relation_sql) -%}
    {{ return(adapter.dispatch('first_per', 'placements')(key, order_by, relation_sql)) }}
{%- endmacro %}
{% macro default__first_per(key, order_by, relation_sql) -%}
    select * from ({{ relation_sql }}) as r  -- noqa: AM04
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}
{% macro postgres__first_per(key, order_by, relation_sql) -%}
    select distinct on ({{ key }}) * from ({{ relation_sql }}) as r  -- noqa: AM04
    order by {{ key }}, {{ order_by }}
{%- endmacro %}

{# Integers 0 .. n-1 as a relation with one column `m`. #}
{% macro integers_below(n) -%}
    {{ return(adapter.dispatch('integers_below', 'placements')(n)) }}
{%- endmacro %}
{% macro default__integers_below(n) -%} select t.m from range({{ n }}) as t (m) {%- endmacro %}
{% macro postgres__integers_below(n) -%} select t.m from generate_series(0, {{ n }} - 1) as t (m) {%- endmacro %}

{# The number of bits set in a small non-negative integer (up to 4 bits). #}
{% macro bits_set(column) -%}
    {{ return(adapter.dispatch('bits_set', 'placements')(column)) }}
{%- endmacro %}
{% macro default__bits_set(column) -%} bit_count({{ column }}) {%- endmacro %}
{% macro postgres__bits_set(column) -%}
    (({{ column }} & 1) + (({{ column }} >> 1) & 1) + (({{ column }} >> 2) & 1) + (({{ column }} >> 3) & 1))
{%- endmacro %}

{# A list literal of integers as a one-column relation `b`. #}
{% macro integer_rows(values) -%}
    {{ return(adapter.dispatch('integer_rows', 'placements')(values)) }}
{%- endmacro %}
{% macro default__integer_rows(values) -%} select unnest([{{ values | join(', ') }}]) as b {%- endmacro %}
{% macro postgres__integer_rows(values) -%} select unnest(array[{{ values | join(', ') }}]) as b {%- endmacro %}

{# Whole-number division of exact (integer or decimal) values, rounded down (all operands here are positive). #}
{% macro whole_division(numerator, denominator) -%}
    {{ return(adapter.dispatch('whole_division', 'placements')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__whole_division(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) // ({{ denominator }}))
{%- endmacro %}
{% macro postgres__whole_division(numerator, denominator) -%}
    div(cast({{ numerator }} as numeric), ({{ denominator }}))
{%- endmacro %}

{# A float amount of money to the penny, half away from zero on the amount as written (its shortest decimal
   form, e.g. 1150.215 -> 1150.22). round() on a binary float rounds 1150.2149999... down on DuckDB, while
   PostgreSQL's numeric path rounds it up: going through the written form gives both engines the same penny. #}
{% macro round_money(column) -%}
    round(cast(cast({{ column }} as varchar) as decimal(38, 6)), 2)
{%- endmacro %}

{# Whether a list holds a value, other than null, outside `allowed` (a SQL list of literals). DuckDB's
   list_filter: a correlated unnest per row took a national contract test from 0.1 s to 1.8 s. #}
{% macro list_has_other_than(column, allowed) -%}
    {{ return(adapter.dispatch('list_has_other_than', 'placements')(column, allowed)) }}
{%- endmacro %}
{% macro default__list_has_other_than(column, allowed) -%}
    len(list_filter({{ column }}, v -> v is not null and v not in ({{ allowed }}))) > 0
{%- endmacro %}
{% macro postgres__list_has_other_than(column, allowed) -%}
    exists (select 1 from unnest({{ column }}) as listed (value) where listed.value is not null
            and listed.value not in ({{ allowed }}))
{%- endmacro %}
