"""Weekly cost of new placements per region and placement type: monthly history and the next 12 months
(analytics/spend.py: the demand model's fit on placement starts and a trend in the weekly cost of each). A
series whose placements did not change since the last build keeps its rows (same code, same input)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from analytics.forecast import as_table, last_build
    from analytics.spend import SPEND_COLUMNS, SPEND_KEYS, forecast_spend, spend_inputs

    placements = dbt.ref("int_referral_outcomes").query("outcomes", spend_inputs("outcomes")).df()
    return as_table(forecast_spend(placements, SPEND_KEYS, previous=last_build(dbt, session)), SPEND_COLUMNS)
