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


def test_spend_is_placements_times_unit_cost_with_both_uncertainties():
    # 10 placements forecast, sd 2 (95% upper bound 10 + 1.96 x 2); each costs 1000 a week (trend standard
    # error 100 / sqrt(100) = 10), one placement's spread 100:
    # Var = 10 x 100^2 + 1000^2 x 2^2 + 10^2 x 10^2 = 100,000 + 4,000,000 + 10,000 = 4,110,000
    counts = pd.DataFrame({"mean": [10.0], "hi95": [10 + Z95 * 2]})
    trend = CostTrend(intercept=1000, slope=0, residual_sd=100, n=100, mean_month=0, sxx=0)
    out = spend_forecast(counts, trend, np.array([12.0])).iloc[0]
    assert out["weekly_cost"] == pytest.approx(10_000)
    sd = math.sqrt(4_110_000)
    assert (out["lower_95"], out["upper_95"]) == pytest.approx((10_000 - Z95 * sd, 10_000 + Z95 * sd))
    assert out["lower_80"] > out["lower_95"] and out["upper_80"] < out["upper_95"]


def test_exact_series_forecast_exactly_and_the_naive_benchmark_lags_the_trend():
    # 4 new placements every month for 30 months; each month's cost 1000 + 10 x month number
    rows = [("North East", "Foster", dt.date(2023 + m // 12, m % 12 + 1, 1), 1000.0 + 10 * m)
            for m in range(30) for _ in range(4)]
    placements = pd.DataFrame(rows, columns=["region", "placement_type", "month", "weekly_cost"])
    out = forecast_spend(placements, ["region", "placement_type"])
    forecast = out[out["kind"] == "forecast"]
    assert len(forecast) == 12 and forecast["month"].iloc[0] == dt.date(2025, 7, 1)
    # month 30: 4 x (1000 + 300) = 5200, no uncertainty left in an exact series
    assert forecast["weekly_cost"].iloc[0] == pytest.approx(5200)
    assert forecast["upper_95"].iloc[0] == pytest.approx(5200)
    # backtest on the last 12 months: the model is exact; seasonal naive is a year behind: 4 x 10 x 12 = 480
    assert (forecast["backtest_months"].iloc[0], forecast["backtest_mae_model"].iloc[0]) == (12, pytest.approx(0))
    assert forecast["backtest_mae_seasonal_naive"].iloc[0] == pytest.approx(480)
    history = out[out["kind"] == "history"]
    assert history["weekly_cost"].sum() == pytest.approx(placements["weekly_cost"].sum())
