-- Demand: monthly referrals per region and preferred placement type, and the next 12 months forecast.
select
    cast(region as varchar) as region,
    cast(preferred_placement_type as varchar) as preferred_placement_type,
    cast(month as date) as month,
    cast(kind as varchar) as kind,
    cast(referrals as integer) as referrals,
    cast({{ round_float('forecast', 2) }} as float8) as forecast,
    cast({{ round_float('lo80', 2) }} as float8) as forecast_lower_80,
    cast({{ round_float('hi80', 2) }} as float8) as forecast_upper_80,
    cast({{ round_float('lo95', 2) }} as float8) as forecast_lower_95,
    cast({{ round_float('hi95', 2) }} as float8) as forecast_upper_95,
    cast(model as varchar) as model,
    cast(backtest_months as integer) as backtest_months,
    cast({{ round_float('backtest_mae_model', 3) }} as float8) as backtest_mae_model,
    cast({{ round_float('backtest_mae_seasonal_naive', 3) }} as float8) as backtest_mae_seasonal_naive
from {{ ref('int_demand_forecast') }}
