-- Spend outlook: the weekly cost that each month's new placements add, per region and placement type,
-- history and the next 12 months with 80% and 95% intervals, backtested against seasonal naive.
select
    cast(region as varchar) as region,
    cast(placement_type as varchar) as placement_type,
    cast(month as date) as month,
    cast(kind as varchar) as kind,
    cast(round(new_placements, 2) as double) as new_placements,
    cast(round(unit_weekly_cost, 2) as decimal(18, 2)) as unit_weekly_cost,
    cast(round(weekly_cost, 2) as decimal(18, 2)) as weekly_cost_of_new_placements,
    cast(round(lower_80, 2) as decimal(18, 2)) as weekly_cost_lower_80,
    cast(round(upper_80, 2) as decimal(18, 2)) as weekly_cost_upper_80,
    cast(round(lower_95, 2) as decimal(18, 2)) as weekly_cost_lower_95,
    cast(round(upper_95, 2) as decimal(18, 2)) as weekly_cost_upper_95,
    cast(model as varchar) as model,
    cast(backtest_months as integer) as backtest_months,
    cast(round(backtest_mae_model, 2) as double) as backtest_mae_model,
    cast(round(backtest_mae_seasonal_naive, 2) as double) as backtest_mae_seasonal_naive
from {{ ref('int_spend_outlook') }}
