-- LA cost index against its region after case-mix standardisation, per calendar year:
--   index = actual weekly cost of the LA's placements
--           / the cost the same placements would have at regional prices,
-- where the regional price of a cell is the region's mean weekly cost for that placement type and
-- need band in that year, to the penny (macros/regional_prices.sql, as the provider index prices it).
-- 1.00 = the region's prices; 1.20 = 20% above for the same mix.
with cells as (
    select
        region,
        la_code,
        placement_year,
        placement_type,
        need_band,
        sum(placements) as placements,
        sum(total_weekly_cost) as total_weekly_cost
    from {{ ref('int_cost_cells') }}
    group by 1, 2, 3, 4, 5
),

regional_prices as (
    {{ regional_prices(ref('int_cost_cells')) }}
)

select
    c.region,
    c.la_code,
    la.la_name,
    c.placement_year,
    cast(sum(c.placements) as integer) as placements_costed,
    cast(sum(c.total_weekly_cost) as decimal(18, 2)) as actual_weekly_cost,
    cast(sum(c.placements * p.regional_price) as decimal(18, 2)) as expected_weekly_cost_at_regional_prices,
    {% set expected = 'cast(sum(c.placements * p.regional_price) as float8)' -%}
    cast({{ round_float('cast(sum(c.total_weekly_cost) as float8) / ' ~ expected, 4) }} as decimal(10, 4))
        as cost_index
from cells as c
inner join regional_prices as p using (region, placement_year, placement_type, need_band)
inner join {{ ref('stg_local_authorities') }} as la on c.la_code = la.la_code
group by 1, 2, 3, 4
