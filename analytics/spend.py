"""The weekly cost of next year's new placements, per region and placement type: how many costed placements
will start each month (the demand model of analytics/forecast.py, the same fit, on placement starts) and what
each will cost a week (a linear trend in the weekly cost of new placements), backtested against seasonal naive
as the demand forecast is. Pure functions; `int_spend_outlook` applies them.

The fits are made here; the arithmetic that combines them is SQL (`mart_spend_outlook`, with a hand-worked
dbt unit test). Spend in a month is S = c_1 + ... + c_N, N placements at costs c_i. With N forecast as n
(sd s_N, read off the demand model's 95% interval) and c_i of mean m (standard error of the trend at that
month se_m, spread of one placement around the trend sd):
    E[S] = n m,    Var[S] = n sd^2 + m^2 s_N^2 + n^2 se_m^2,
and the intervals are normal, clipped at 0 (deterministic: no simulation, the same numbers every night)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import forecast
from analytics.forecast import HORIZON, MODEL_NAME, Z95, seasonal_naive

CODE = hashlib.sha256(Path(__file__).read_bytes() + forecast.METHOD.encode()).hexdigest()[:12]
SPEND_KEYS = ["region", "placement_type"]
SPEND_COLUMNS = {  # the outlook table's columns, as forecast.DEMAND_COLUMNS
    "region": "varchar", "placement_type": "varchar", "month": "date", "kind": "varchar",
    "new_placements": "float8", "unit_weekly_cost": "float8", "weekly_cost": "float8",
    "new_placements_sd": "float8", "unit_weekly_cost_se": "float8", "placement_cost_sd": "float8",
    "model": "varchar", "backtest_months": "bigint", "backtest_mae_model": "float8",
    "backtest_mae_seasonal_naive": "float8", "method": "varchar"}
MODEL = f"new placements: {MODEL_NAME}; weekly cost each: linear trend (least squares over placements)"


@dataclass(frozen=True)
class CostTrend:
    """Weekly cost of one new placement as a + b x month number (0 = the first month of the history)."""
    intercept: float
    slope: float
    residual_sd: float
    n: int
    mean_month: float
    sxx: float  # sum of squared deviations of the month numbers

    def mean(self, t: np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * t

    def standard_error(self, t: np.ndarray) -> np.ndarray:
        """Of the trend's mean at month t (not of one placement)."""
        leverage = 1 / self.n + ((t - self.mean_month) ** 2 / self.sxx if self.sxx > 0 else 0)
        return self.residual_sd * np.sqrt(leverage)


def spend_inputs(outcomes: str) -> str:
    """One row per costed new placement (region, type, month it started, weekly cost), from the referral
    outcomes table named `outcomes`: the one selection both profiles forecast from (see demand_inputs)."""
    return ("SELECT region, la_code, placement_type, "
            "cast(date_trunc('month', coalesce(placement_date, referral_date)) AS date) AS month, "
            "cast(total_weekly_cost AS float8) AS weekly_cost "
            f"FROM {outcomes} WHERE is_placed AND total_weekly_cost IS NOT NULL")


def fit_cost_trend(t: np.ndarray, cost: np.ndarray) -> CostTrend | None:
    """Least squares over placements (t: month number, cost: weekly cost). Fewer than three placements or one
    month only: no slope is estimable, the trend is flat at the mean. None without placements."""
    n = len(cost)
    if n == 0:
        return None
    t, cost = t.astype(float), cost.astype(float)
    mean_t, mean_c = float(t.mean()), float(cost.mean())
    sxx = float(((t - mean_t) ** 2).sum())
    has_slope = n >= 3 and sxx > 0
    slope = float(((t - mean_t) * (cost - mean_c)).sum() / sxx) if has_slope else 0.0
    intercept = mean_c - slope * mean_t
    parameters = 2 if has_slope else 1
    residuals = cost - (intercept + slope * t)
    sd = float(np.sqrt((residuals ** 2).sum() / (n - parameters))) if n > parameters else 0.0
    return CostTrend(intercept, slope, sd, n, mean_t, sxx)


def spend_forecast(counts: pd.DataFrame, trend: CostTrend, t: np.ndarray) -> pd.DataFrame:
    """The two forecasts a month's spend is made of. counts: the demand model's `mean` and `hi95` per future
    month; t: those months' numbers."""
    n = counts["mean"].to_numpy(dtype=float)
    return pd.DataFrame({
        "new_placements": n,
        "new_placements_sd": np.maximum(counts["hi95"].to_numpy(dtype=float) - n, 0) / Z95,  # upper bound: unclipped
        "unit_weekly_cost": np.maximum(trend.mean(t), 0),  # a falling trend stops at zero
        "unit_weekly_cost_se": trend.standard_error(t),
        "placement_cost_sd": trend.residual_sd,
    })


def _month_numbers(months, first: pd.Period) -> np.ndarray:
    """Months after `first` (0 for `first` itself) of monthly periods (an index or a column)."""
    return (pd.PeriodIndex(months).asi8 - first.ordinal).astype(float)


def _series(group: pd.DataFrame, months: pd.PeriodIndex) -> tuple[pd.Series, pd.Series]:
    """Placements started and their summed weekly cost per month, zero in months without any."""
    by_month = group.groupby("period")["weekly_cost"]
    return (by_month.count().reindex(months, fill_value=0).astype(float),
            by_month.sum().reindex(months, fill_value=0).astype(float))


def backtest(group: pd.DataFrame, months: pd.PeriodIndex) -> tuple[float | None, float | None, int]:
    """Mean absolute error of the monthly spend forecast and of seasonal naive on the held-out last months
    (the demand forecast's rule: 12 with two years of history, else a quarter of it)."""
    holdout = 12 if len(months) >= 24 else len(months) // 4
    if holdout < 3 or len(months) - holdout < 6:
        return None, None, 0
    train_months, test_months = months[:-holdout], months[-holdout:]
    train = group[group["period"] <= train_months[-1]]
    counts, spend = _series(train, train_months)
    _, actual = _series(group, months)
    trend = fit_cost_trend(_month_numbers(train["period"], months[0]),
                           train["weekly_cost"].to_numpy())
    if trend is None:
        return None, None, 0
    predicted = spend_forecast(forecast.fit_predict(counts, holdout), trend, _month_numbers(test_months, months[0]))
    expected = (predicted["new_placements"] * predicted["unit_weekly_cost"]).to_numpy()
    truth = actual.iloc[-holdout:].to_numpy()
    return (float(np.mean(np.abs(expected - truth))),
            float(np.mean(np.abs(seasonal_naive(spend, holdout) - truth))), holdout)


def _inputs_digest(key: tuple, group: pd.DataFrame, months: pd.PeriodIndex, horizon: int) -> str:
    """Everything a key's rows depend on: the key, its placements (month, cost), the months spanned, the code."""
    periods, costs = group["period"].array.asi8, group["weekly_cost"].to_numpy(dtype=float)
    order = np.lexsort((costs, periods))  # the placements as a set: in month, then cost order
    text = repr((key, str(months[0]), str(months[-1]), horizon, CODE)).encode()
    return hashlib.sha256(text + periods[order].tobytes() + costs[order].tobytes()).hexdigest()[:16]


def forecast_spend(placements: pd.DataFrame, keys: list[str], horizon: int = HORIZON,
                   previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """`placements`: one row per costed new placement with the key columns (the first is the region),
    `la_code`, `month` (first day) and `weekly_cost`. Returns monthly history over the region's reported
    months (forecast.reported_months: placements in later months wait for the region's other returns) and
    `horizon` forecast months for every key with a placement in those months (one whose placements all
    started later has none yet: there is no cost to project). A key whose inputs are those of `previous`
    (same placements, months and code: its `method`) keeps its rows unrefitted."""
    if placements.empty:
        return pd.DataFrame()
    placements = placements.assign(period=pd.to_datetime(placements["month"]).dt.to_period("M"))
    spans = forecast.reported_months(placements, keys[0])
    reusable = ({} if previous is None or previous.empty or "method" not in previous else
                {m: g for m, g in previous.groupby("method")})
    frames = []
    for key, group in placements.groupby(keys, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        months = spans[key[0]]
        group = group[group["period"] <= months[-1]]
        if group.empty:  # every placement after the region's reported months: no outlook until they are in
            continue
        future = pd.period_range(months[-1] + 1, periods=horizon, freq="M")
        history_months, future_months = list(months.to_timestamp().date), list(future.to_timestamp().date)
        digest = _inputs_digest(key, group, months, horizon)
        if (old := reusable.get(digest)) is not None:
            frames.append(old.assign(month=pd.to_datetime(old["month"]).dt.date).reset_index(drop=True))
            continue
        counts, spend = _series(group, months)
        trend = fit_cost_trend(_month_numbers(group["period"], months[0]),
                               group["weekly_cost"].to_numpy())
        mae_model, mae_naive, holdout = backtest(group, months)
        meta = {**dict(zip(keys, key, strict=True)), "model": MODEL, "backtest_months": holdout,
                "backtest_mae_model": mae_model, "backtest_mae_seasonal_naive": mae_naive, "method": digest}
        frames.append(pd.DataFrame({
            **meta, "month": history_months, "kind": "history",
            "new_placements": counts.to_numpy(), "weekly_cost": spend.to_numpy(),
            "unit_weekly_cost": np.where(counts > 0, spend / counts.where(counts > 0, 1), np.nan)}))
        predicted = spend_forecast(forecast.fit_predict(counts, horizon), trend, _month_numbers(future, months[0]))
        frames.append(pd.DataFrame({**meta, "month": future_months,
                                    "kind": "forecast", **{c: predicted[c].to_numpy() for c in predicted}}))
    if not frames:
        return pd.DataFrame()
    # every key has history and forecast rows, so the concatenation has every column (as_table orders them)
    return pd.concat(frames, ignore_index=True)
