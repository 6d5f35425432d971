-- Spend outlook: the weekly cost that each month's new placements add, per region and placement type,
-- history and the next 12 months, backtested against seasonal naive. int_spend_outlook fits the two
-- forecasts (analytics/spend.py); this model combines them. A month's spend S = c_1 + ... + c_N:
--   E[S] = n x m,   Var[S] = n x sd^2 + m^2 x s_N^2 + n^2 x se_m^2
-- (n, s_N: new placements and their sd; m, se_m: one placement's weekly cost and the trend's standard
-- error; sd: one placement's spread around the trend); normal intervals, clipped at 0.
{%- set z = {'80': 1.281552, '95': 1.959964} %}

with outlook as (
    select
        *,
        case
            when kind = 'forecast' then new_placements * unit_weekly_cost else weekly_cost
        end as expected_weekly_cost,
        case
            when kind = 'forecast' then sqrt(
                    new_placements * placement_cost_sd * placement_cost_sd
                    + unit_weekly_cost * unit_weekly_cost * new_placements_sd * new_placements_sd
                    + new_placements * new_placements * unit_weekly_cost_se * unit_weekly_cost_se
                )
        end as weekly_cost_sd
    from {{ ref('int_spend_outlook') }}
)

select
    cast(region as varchar) as region,
    cast(placement_type as varchar) as placement_type,
    cast(month as date) as month,
    cast(kind as varchar) as kind,
    cast({{ round_float('new_placements', 2) }} as float8) as new_placements,
    cast({{ round_money('unit_weekly_cost') }} as decimal(18, 2)) as unit_weekly_cost,
    cast({{ round_money('expected_weekly_cost') }} as decimal(18, 2)) as weekly_cost_of_new_placements,
    {%- for level, quantile in z.items() %}
        {%- set lower = 'case when expected_weekly_cost < ' ~ quantile ~ ' * weekly_cost_sd then 0 else '
            ~ 'expected_weekly_cost - ' ~ quantile ~ ' * weekly_cost_sd end' %}
        {%- set upper = 'expected_weekly_cost + ' ~ quantile ~ ' * weekly_cost_sd' %}
        -- clipped at 0; blank on history rows (greatest() would skip the null and say 0)
        cast({{ round_money(lower) }} as decimal(18, 2)) as weekly_cost_lower_{{ level }},
        cast({{ round_money(upper) }} as decimal(18, 2)) as weekly_cost_upper_{{ level }},
    {%- endfor %}
    cast(model as varchar) as model,
    cast(backtest_months as integer) as backtest_months,
    cast({{ round_float('backtest_mae_model', 2) }} as float8) as backtest_mae_model,
    cast({{ round_float('backtest_mae_seasonal_naive', 2) }} as float8) as backtest_mae_seasonal_naive
from outlook
