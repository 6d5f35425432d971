-- Costed placements grouped into like-for-like cells (placement type x need band) per LA and quarter.
-- The unit of every cost comparison: counts and exact totals, from which prices are derived.
select
    region,
    la_code,
    cost_quarter_start as placement_quarter_start,
    cast({{ year_of('cost_quarter_start') }} as integer) as placement_year,
    placement_type,
    need_band,
    cast(count(*) as integer) as placements,
    cast(sum(total_weekly_cost) as decimal(18, 2)) as total_weekly_cost
from {{ ref('int_referral_outcomes') }}
where is_placed and total_weekly_cost is not null
group by 1, 2, 3, 4, 5, 6
