-- Weekly cost of placements by type and need band: like-for-like cells for comparing LAs.
-- Quarter is the placement's start quarter (referral quarter when the start date is not recorded).
select
    region,
    la_code,
    la_name,
    {{ quarter_label('cost_quarter_start') }} as placement_quarter,
    placement_type,
    need_band,
    cast(count(*) as integer) as placements_costed,
    {{ pence_mean('total_weekly_cost') }} as mean_weekly_cost,
    {{ pence_quantile('total_weekly_cost', 0.5) }} as median_weekly_cost,
    {{ pence_quantile('total_weekly_cost', 0.25) }} as p25_weekly_cost,
    {{ pence_quantile('total_weekly_cost', 0.75) }} as p75_weekly_cost
from {{ ref('int_referral_outcomes') }}
where is_placed and total_weekly_cost is not null
group by 1, 2, 3, 4, 5, 6
