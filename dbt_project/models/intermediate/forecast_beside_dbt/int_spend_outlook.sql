-- On PostgreSQL (no dbt Python models there): the spend outlook that analytics/spend.py computed between
-- the two phases of the build (warehouse/transform/forecast.py), from int_referral_outcomes as built in
-- this run, with the same reuse of unchanged series. The DuckDB profile runs it as a dbt Python model.
-- depends_on: {{ ref('int_referral_outcomes') }}
select
    region,
    placement_type,
    month,
    kind,
    new_placements,
    unit_weekly_cost,
    weekly_cost,
    new_placements_sd,
    unit_weekly_cost_se,
    placement_cost_sd,
    model,
    backtest_months,
    backtest_mae_model,
    backtest_mae_seasonal_naive,
    method
from {{ source('forecast', 'spend_outlook') }}
