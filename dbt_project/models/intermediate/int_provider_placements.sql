-- One row per costed placement with its provider and the region's price for its cell (placement type x
-- need band x year, the prices mart_cost_index uses): the inputs of the provider cost index. A placement
-- whose provider is unknown (no URN, or a malformed one) is kept, under provider 'Unknown'.
with placements as (
    select
        region,
        la_code,
        case
            when provider_registration = {{ contract_value('provider_registration', 'Registered') }} then provider_urn
            when provider_registration = {{ contract_value('provider_registration', 'Unregistered') }}
                then 'Unregistered'
            else 'Unknown'
        end as provider,
        provider_registration,
        placement_type,
        need_band,
        cast({{ year_of('cost_quarter_start') }} as integer) as placement_year,
        total_weekly_cost
    from {{ ref('int_referral_outcomes') }}
    where is_placed and total_weekly_cost is not null
),

-- the region's price of each cell, as mart_cost_index prices it (macros/regional_prices.sql)
regional_prices as (
    {{ regional_prices(ref('int_cost_cells')) }}
),

-- the spread of a placement's cost around its cell is measured on the log scale (costs are multiplicative);
-- a zero cost has no logarithm and adds nothing to it
log_cells as (
    select
        region,
        placement_year,
        placement_type,
        need_band,
        avg(ln(cast(total_weekly_cost as float8))) as mean_log_cost
    from placements
    where total_weekly_cost > 0
    group by 1, 2, 3, 4
)

select
    p.region,
    p.la_code,
    p.provider,
    p.provider_registration,
    p.placement_type,
    p.need_band,
    p.placement_year,
    p.total_weekly_cost,
    pr.regional_price,
    case
        when p.total_weekly_cost > 0 then ln(cast(p.total_weekly_cost as float8)) - lc.mean_log_cost
    end as log_cost_deviation
from placements as p
inner join regional_prices as pr using (region, placement_year, placement_type, need_band)
left join log_cells as lc using (region, placement_year, placement_type, need_band)
