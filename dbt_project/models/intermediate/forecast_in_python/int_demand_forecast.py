"""Monthly referrals per region and preferred placement type: history and a 12-month forecast with
80% and 95% intervals, backtested against a seasonal-naive baseline (analytics/forecast.py). A series
whose history did not change since the last build keeps its forecast (same code, same input)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from analytics.forecast import DEMAND_COLUMNS, DEMAND_KEYS, as_table, demand_inputs, forecast_demand, last_build

    monthly = dbt.ref("int_referral_outcomes").query("outcomes", demand_inputs("outcomes")).df()
    return as_table(forecast_demand(monthly, DEMAND_KEYS, previous=last_build(dbt, session)), DEMAND_COLUMNS)
