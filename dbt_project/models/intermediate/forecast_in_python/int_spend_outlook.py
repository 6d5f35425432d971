"""Weekly cost of new placements per region and placement type: monthly history and the next 12 months
(analytics/spend.py: the demand model's fit on placement starts and a trend in the weekly cost of each). A
series whose placements did not change since the last build keeps its rows (same code, same input)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from analytics.forecast import last_build
    from analytics.spend import forecast_spend

    placements = dbt.ref("int_referral_outcomes").filter("is_placed and total_weekly_cost is not null").project(
        "region, placement_type, "
        "cast(date_trunc('month', coalesce(placement_date, referral_date)) as date) as month, "
        "cast(total_weekly_cost as double) as weekly_cost"
    ).df()
    return forecast_spend(placements, ["region", "placement_type"], previous=last_build(dbt, session))

