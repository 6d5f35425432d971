-- Provider cost index, per region, provider, placement type and calendar year, after case-mix
-- standardisation (the method of mart_cost_index, applied to providers):
--   index = actual weekly cost of the provider's placements
--           / the cost the same placements would have at the region's mean price for their type x need band.
-- Interval (95%, analytic, log scale): log(index) has standard error
--   s x sqrt(sum of p_i^2) / sum of p_i,
-- where p_i is each placement's regional price and s the pooled spread of log cost around the cell means in
-- the region and placement type. With equal prices that is s / sqrt(n): few placements, a wide interval.
-- Unregistered provision (and unknown provider) is not one organisation: one row per LA.
{%- set z95 = 1.959964 %}

with placements as (
    select
        *,
        case
            when provider_registration = {{ contract_value('provider_registration', 'Registered') }} then null
            else la_code
        end as provider_la_code
    from {{ ref('int_provider_placements') }}
),

spread as (
    select
        region,
        placement_type,
        sqrt(
            sum(log_cost_deviation * log_cost_deviation)
            / nullif(
                count(log_cost_deviation)
                - count(distinct case when log_cost_deviation is not null then placement_year || need_band end),
                0
            )
        ) as log_cost_sd
    from placements
    group by 1, 2
),

providers as (
    select
        region,
        provider,
        provider_registration,
        provider_la_code,
        placement_type,
        placement_year,
        count(*) as placements_costed,
        count(distinct la_code) as las_using,
        sum(total_weekly_cost) as actual_weekly_cost,
        sum(regional_price) as expected_weekly_cost,
        sqrt(cast(sum(regional_price * regional_price) as float8))
        / nullif(cast(sum(regional_price) as float8), 0) as price_weight_factor
    from placements
    group by 1, 2, 3, 4, 5, 6
),

indexed as (
    select
        p.*,
        cast(p.actual_weekly_cost as float8) / nullif(cast(p.expected_weekly_cost as float8), 0) as cost_index,
        s.log_cost_sd * p.price_weight_factor as log_index_se
    from providers as p
    inner join spread as s using (region, placement_type)
)

select
    i.region,
    i.provider,
    i.provider_registration,
    i.provider_la_code as la_code,
    la.la_name,
    i.placement_type,
    i.placement_year,
    cast(i.placements_costed as integer) as placements_costed,
    cast(i.las_using as integer) as las_using,
    cast(i.actual_weekly_cost as decimal(18, 2)) as actual_weekly_cost,
    cast(round(i.expected_weekly_cost, 2) as decimal(18, 2)) as expected_weekly_cost_at_regional_prices,
    cast({{ round_float('i.cost_index', 4) }} as decimal(10, 4)) as cost_index,
    cast({{ round_float('i.cost_index * exp(-' ~ z95 ~ ' * i.log_index_se)', 4) }} as decimal(10, 4))
        as cost_index_lower_95,
    cast({{ round_float('i.cost_index * exp(' ~ z95 ~ ' * i.log_index_se)', 4) }} as decimal(10, 4))
        as cost_index_upper_95,
    cast({{ round_float('i.log_index_se', 4) }} as decimal(10, 4)) as cost_index_log_standard_error
from indexed as i
left join {{ ref('stg_local_authorities') }} as la on i.provider_la_code = la.la_code
