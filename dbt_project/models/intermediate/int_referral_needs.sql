-- Derived needs and preferences of each referral (latest version). Risk counts use the ten risks that
-- every version collects (the 2026 template dropped "risk to child: sexual exploitation"), so LAs on
-- different versions compare like for like. A blank answer counts as no need. Controlled values come
-- from the contract (contract_value), so a value renamed there fails the build instead of zeroing a count.
-- Incremental: only referrals whose latest version is newer than this table's newest are recomputed.
{%- set present = contract_value('risk_level', 'Risk present') %}
{%- set preferred = contract_value('suitability', 'Preferred') %}
{%- set suitable = contract_value('suitability', 'Suitable but not preferred') %}
{%- set risks_to_child = ['risk_self_harm', 'risk_criminal_exploitation', 'risk_drug_alcohol',
                          'risk_eating_disorder', 'risk_missing'] %}
{%- set risks_to_others = ['risk_to_others_physical', 'risk_to_others_sexual', 'risk_to_others_fire',
                           'risk_to_others_animals', 'risk_to_others_criminal'] %}
{#- each placement type of the contract, with its suitability column (Foster: foster_suitability) #}
{%- set types = [] %}
{%- for type in contract_vocabularies()['placement_type'] %}
    {%- do types.append((type, type | lower | replace(' ', '_') ~ '_suitability')) %}
{%- endfor %}

{{ config(materialized='incremental', unique_key='referral_key', incremental_strategy='delete+insert') }}

with referrals as (
    select * from {{ ref('int_referrals_latest') }}
    {% if is_incremental() %}
        where {{ newer_than_this('received_at') }}
    {% endif %}
),

flags as (
    select
        referral_key,
        received_at,
        {% for risk in risks_to_child -%}
            coalesce({{ risk }} = {{ present }}, false)::int{% if not loop.last %} +{% endif %}
        {% endfor -%} as risks_to_child,
        {% for risk in risks_to_others -%}
            coalesce({{ risk }} = {{ present }}, false)::int{% if not loop.last %} +{% endif %}
        {% endfor -%} as risks_to_others,
        coalesce(deprivation_of_liberty, false) as has_deprivation_of_liberty,
        coalesce(home_adaptation, false) as needs_home_adaptation,
        coalesce(communication_needs = {{ contract_value('presence', 'Yes') }}, false) as has_communication_need,
        coalesce(
            cultural_needs in (
                {{ contract_value('cultural_need', 'Required') }}, {{ contract_value('cultural_need', 'Other') }}
            ),
            false
        ) as has_cultural_need,
        coalesce(
            living_companions = {{ contract_value('living_arrangement', 'Solo placement recommended') }}, false
        ) as needs_solo_placement,
        coalesce(pets = {{ contract_value('pets_allowance', 'Yes - must') }}, false) as must_live_with_pets,
        {{ count_other_than('additional_support', contract_value('support_type', 'Not applicable')) }}
            as additional_support_count,
        case
            when
                {% for _, answer in types -%}
                    ({{ answer }} = {{ preferred }})::int{% if not loop.last %} +{% endif %}
                {% endfor -%} > 1
                then 'Several preferred'
            {%- for type, answer in types %}
                when {{ answer }} = {{ preferred }} then {{ contract_value('placement_type', type) }}
            {%- endfor %}
            else 'None preferred'
        end as preferred_placement_type,
        {%- set suitable_types = [] %}
        {%- for type, answer in types %}
            {%- do suitable_types.append(
                "case when " ~ answer ~ " in (" ~ preferred ~ ", " ~ suitable ~ ") then "
                ~ contract_value('placement_type', type) ~ " end") %}
        {%- endfor %}
        {{ list_without_nulls(suitable_types) }} as suitable_placement_types
    from referrals
),

scored as (
    select
        *,
        risks_to_child + risks_to_others
        + 2 * cast(has_deprivation_of_liberty as int)
        + cast(needs_solo_placement as int)
        + cast((additional_support_count > 0) as int) as need_score
    from flags
)

select
    *,
    case
        when need_score = 0 then 'Standard'
        when need_score <= 2 then 'Elevated'
        else 'Complex'
    end as need_band
from scored
