-- On PostgreSQL (no dbt Python models there): the forecast that analytics/forecast.py computed between
-- the two phases of the build (warehouse/transform/forecast.py), from int_referral_outcomes as built in
-- this run, with the same reuse of unchanged series. The DuckDB profile runs it as a dbt Python model.
-- depends_on: {{ ref('int_referral_outcomes') }}
select
    region,
    preferred_placement_type,
    month,
    kind,
    referrals,
    forecast,
    lo80,
    hi80,
    lo95,
    hi95,
    model,
    backtest_months,
    backtest_mae_model,
    backtest_mae_seasonal_naive,
    method
from {{ source('forecast', 'demand_forecast') }}
