"""Spend outlook arithmetic (analytics/spend.py) on hand-worked cases."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analytics.spend import Z95, CostTrend, fit_cost_trend, forecast_spend, spend_forecast


def test_cost_trend_is_least_squares_over_placements():
    # month 0: 90 and 110, month 1: 190 and 210 -> slope 100, intercept 100, residuals +-10 on 2 degrees of freedom
    trend = fit_cost_trend(np.array([0, 0, 1, 1]), np.array([90.0, 110.0, 190.0, 210.0]))
    assert (trend.intercept, trend.slope) == pytest.approx((100.0, 100.0))
    assert trend.residual_sd == pytest.approx(math.sqrt(400 / 2))
    # standard error of the mean at month 0.5 (the centre): sd / sqrt(4)
    assert trend.standard_error(np.array([0.5]))[0] == pytest.approx(math.sqrt(200) / 2)


def test_one_month_of_costs_gives_a_flat_trend_at_the_mean():
    trend = fit_cost_trend(np.array([3, 3]), np.array([1000.0, 1200.0]))
    assert (trend.slope, trend.mean(np.array([20.0]))[0]) == (0.0, 1100.0)


def test_the_two_forecasts_a_month_is_made_of():
    # 10 placements forecast with a 95% upper bound of 10 + 1.96 x 2: sd 2. Trend 1000 + 5 a month from 100
    # placements centred on month 0 with spread 100: standard error at month 12 = 100 x sqrt(1/100 + 144/sxx).
    counts = pd.DataFrame({"mean": [10.0], "hi95": [10 + Z95 * 2]})
    trend = CostTrend(intercept=1000, slope=5, residual_sd=100, n=100, mean_month=0, sxx=14_400)
    out = spend_forecast(counts, trend, np.array([12.0])).iloc[0]
    assert out["new_placements"] == 10 and out["new_placements_sd"] == pytest.approx(2)
    assert out["unit_weekly_cost"] == pytest.approx(1060)
    assert out["unit_weekly_cost_se"] == pytest.approx(100 * math.sqrt(1 / 100 + 144 / 14_400))
    assert out["placement_cost_sd"] == 100
    # mart_spend_outlook combines them (its dbt unit test works the arithmetic by hand)


def test_exact_series_forecast_exactly_and_the_naive_benchmark_lags_the_trend():
    # 4 new placements every month for 30 months; each month's cost 1000 + 10 x month number
    rows = [("North East", "Foster", dt.date(2023 + m // 12, m % 12 + 1, 1), 1000.0 + 10 * m)
            for m in range(30) for _ in range(4)]
    placements = pd.DataFrame(rows, columns=["region", "placement_type", "month", "weekly_cost"]).assign(la_code="840")
    out = forecast_spend(placements, ["region", "placement_type"])
    forecast = out[out["kind"] == "forecast"]
    assert len(forecast) == 12 and forecast["month"].iloc[0] == dt.date(2025, 7, 1)
    # month 30: 4 placements at 1000 + 300, no uncertainty left in an exact series
    first = forecast.iloc[0]
    assert (first["new_placements"], first["unit_weekly_cost"]) == (pytest.approx(4), pytest.approx(1300))
    assert (first["new_placements_sd"], first["unit_weekly_cost_se"], first["placement_cost_sd"]) == \
        (pytest.approx(0), pytest.approx(0, abs=1e-9), pytest.approx(0, abs=1e-9))
    # backtest on the last 12 months: the model is exact; seasonal naive is a year behind: 4 x 10 x 12 = 480
    assert (forecast["backtest_months"].iloc[0], forecast["backtest_mae_model"].iloc[0]) == (12, pytest.approx(0))
    assert forecast["backtest_mae_seasonal_naive"].iloc[0] == pytest.approx(480)
    history = out[out["kind"] == "history"]
    assert history["weekly_cost"].sum() == pytest.approx(placements["weekly_cost"].sum())


def test_an_unchanged_series_keeps_its_rows_and_a_changed_one_is_refitted(monkeypatch):
    from analytics import forecast

    rows = [(region, "Foster", dt.date(2024 + m // 12, m % 12 + 1, 1), 1000.0 + 7 * m + 50 * (i % 3))
            for region in ("North East", "South West") for m in range(14) for i in range(3 + m % 4)]
    placements = pd.DataFrame(rows, columns=["region", "placement_type", "month", "weekly_cost"]).assign(la_code="840")
    first = forecast_spend(placements, ["region", "placement_type"])
    fits = []
    fit = forecast.fit_predict
    monkeypatch.setattr(forecast, "fit_predict", lambda *a: fits.append(1) or fit(*a))
    again = forecast_spend(placements, ["region", "placement_type"], previous=first)
    assert fits == [] and again.equals(first)
    dearer = placements.assign(weekly_cost=placements["weekly_cost"].where(
        (placements["region"] == "North East") | (placements.index != placements.index[-1]), 9999.0))
    third = forecast_spend(dearer, ["region", "placement_type"], previous=first)
    assert len(fits) == 2  # the South West's backtest and forecast; a cost alone changed, not a count
    kept = third[third["region"] == "North East"].reset_index(drop=True)
    assert kept.equals(first[first["region"] == "North East"].reset_index(drop=True))
    assert not third[third["region"] == "South West"]["unit_weekly_cost"].equals(
        first[first["region"] == "South West"]["unit_weekly_cost"])


def test_a_type_placed_only_after_the_regions_reported_months_has_no_outlook_yet():
    # two LAs of one region: 840 has returned to June, 841 only to March, so the region's months end in
    # March; 840's only residential placements started in May (found by the soak: the fit had no cost)
    rows = [("North East", "840", "Foster", dt.date(2025, m, 1), 900.0) for m in (1, 2, 3, 4)]
    rows += [("North East", "841", "Foster", dt.date(2025, m, 1), 950.0) for m in (1, 2, 3)]
    rows += [("North East", "840", "Residential", dt.date(2025, 5, 1), 4000.0)]
    placements = pd.DataFrame(rows, columns=["region", "la_code", "placement_type", "month", "weekly_cost"])
    out = forecast_spend(placements, ["region", "placement_type"])
    assert set(out["placement_type"]) == {"Foster"}
    assert out.loc[out["kind"] == "history", "month"].max() == dt.date(2025, 3, 1)
