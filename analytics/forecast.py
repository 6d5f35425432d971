"""Monthly demand forecasts: simple exponential smoothing, ETS(A,N,N) by maximum likelihood
(analytics/smoothing.py), with analytic prediction intervals, backtested against a seasonal-naive baseline.
Pure functions; the dbt Python model `int_demand_forecast` applies them to each region and preferred
placement type."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import smoothing
from analytics.smoothing import fit_ses

HORIZON = 12
DEMAND_KEYS = ["region", "preferred_placement_type"]
# the forecast table's columns (as DuckDB types), on both profiles: the dbt Python model on DuckDB, the
# table written beside dbt on PostgreSQL (warehouse/transform/forecast.py)
DEMAND_COLUMNS = {
    "region": "varchar", "preferred_placement_type": "varchar", "month": "date", "kind": "varchar",
    "referrals": "float8", "forecast": "float8", "lo80": "float8", "hi80": "float8", "lo95": "float8",
    "hi95": "float8", "model": "varchar", "backtest_months": "bigint", "backtest_mae_model": "float8",
    "backtest_mae_seasonal_naive": "float8", "method": "varchar"}
_DTYPES = {"varchar": "string", "date": "datetime64[ns]", "float8": "float64", "bigint": "Int64"}
MODEL_NAME = "ETS(A,N,N) simple exponential smoothing, maximum likelihood"
MIN_MONTHS_FOR_ETS = 6  # fewer months cannot identify the smoothing weight and the noise
Z80, Z95 = 1.2815515655446004, 1.959963984540054  # standard normal quantiles 0.9 and 0.975
SHORT_MODEL_NAME = "Mean of the months so far, Poisson intervals (history too short for ETS)"


LAPSED_MONTHS = 6  # an LA whose returns stopped this long before its region's latest is not waited for


def demand_inputs(outcomes: str) -> str:
    """Referrals per region, LA, preferred placement type and month, from the referral outcomes table named
    `outcomes`: the one selection both profiles forecast from (the dbt Python model on DuckDB; on PostgreSQL,
    warehouse/transform/forecast.py). The LA bounds the months a region's history can cover."""
    return ("SELECT region, la_code, preferred_placement_type, referral_month AS month, count(*) AS referrals "
            f"FROM {outcomes} GROUP BY 1, 2, 3, 4")


def reported_months(frame: pd.DataFrame, region: str = "region", la: str = "la_code") -> dict:
    """The months each region's history covers: from its first month with data to the last month every one
    of its LAs has reported (the end of the quarter of the LA's latest month, as mart_data_quality reads a
    return's period). Later months hold only the LAs that returned early: read as the region's, they show a
    fall in demand that is only returns not yet in. An LA whose returns stopped more than LAPSED_MONTHS
    before the region's latest is not waited for. `frame` has `region`, `la` and `period` (monthly)."""
    months = pd.Series(frame["period"].array.asi8, index=frame.index)  # month numbers: fast to group
    by_la = months.groupby([frame[region], frame[la]], sort=False).agg(["min", "max"])
    by_la["reported"] = by_la["max"] + 2 - by_la["max"] % 3  # the last month of its quarter
    spans = {}
    for name, las in by_la.groupby(level=0, sort=False):
        newest = las["reported"].max()
        last = las.loc[las["reported"] >= newest - LAPSED_MONTHS, "reported"].min()
        first = las["min"].min()
        spans[name] = pd.PeriodIndex.from_ordinals(range(first, max(last, first) + 1), freq="M")
    return spans


def last_build(dbt, session) -> pd.DataFrame | None:
    """The rows a dbt Python model wrote at its last build (`dbt.this`), or None before the first: the
    forecasts reuse them for every series whose inputs did not change."""
    try:
        return session.sql(f"select * from {dbt.this}").df()
    except Exception:  # noqa: BLE001 - no previous table (first build): every series is fitted
        return None


def fit_predict(history: pd.Series, horizon: int) -> pd.DataFrame:
    """Mean and 80%/95% intervals for `horizon` months after `history` (monthly, no gaps)."""
    index = pd.period_range(history.index[-1] + 1, periods=horizon, freq="M")
    if history.nunique() <= 1:  # a constant series: nothing to smooth, no uncertainty to estimate
        value = float(history.iloc[-1])
        return pd.DataFrame({"mean": value, "lo80": value, "hi80": value, "lo95": value, "hi95": value},
                            index=index)
    if len(history) < MIN_MONTHS_FOR_ETS:  # a first night: an honest mean, counts spread as Poisson
        from scipy.stats import poisson

        mean = float(history.mean())
        bounds = {name: float(poisson.ppf(q, mean)) for name, q in
                  (("lo80", 0.1), ("hi80", 0.9), ("lo95", 0.025), ("hi95", 0.975))}
        return pd.DataFrame({"mean": mean, **bounds}, index=index)
    fit = fit_ses(history.to_numpy(dtype=float))
    mean, sd = np.full(horizon, fit.level), np.sqrt(fit.variance(horizon))
    out = pd.DataFrame({"mean": mean, "lo80": mean - Z80 * sd, "hi80": mean + Z80 * sd,
                        "lo95": mean - Z95 * sd, "hi95": mean + Z95 * sd}, index=index)
    return out.clip(lower=0)  # referrals cannot be negative


def seasonal_naive(history: pd.Series, horizon: int) -> np.ndarray:
    """Each month as the same month a year earlier; the last value when there is no full year."""
    if len(history) >= 12:
        last_year = history.iloc[-12:].to_numpy()
        return np.array([last_year[i % 12] for i in range(horizon)], dtype=float)
    return np.full(horizon, float(history.iloc[-1]))


def backtest(history: pd.Series) -> tuple[float | None, float | None, int]:
    """Mean absolute error of the model and of the seasonal-naive baseline on the last months held out
    (12 when there are 24 months or more, else a quarter of the series); (None, None, 0) when too short."""
    holdout = 12 if len(history) >= 24 else len(history) // 4
    if holdout < 3 or len(history) - holdout < 6:
        return None, None, 0
    train, test = history.iloc[:-holdout], history.iloc[-holdout:].to_numpy(dtype=float)
    model = fit_predict(train, holdout)["mean"].to_numpy()
    naive = seasonal_naive(train, holdout)
    return float(np.mean(np.abs(model - test))), float(np.mean(np.abs(naive - test))), holdout


# this file's code and the smoothing's: a change refits every series
METHOD = hashlib.sha256(Path(__file__).read_bytes() + Path(smoothing.__file__).read_bytes()).hexdigest()[:12]


def forecast_demand(monthly: pd.DataFrame, keys: list[str], horizon: int = HORIZON,
                    previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """`monthly` has the key columns (the first is the region), `la_code`, `month` (first day) and
    `referrals`. Returns history and forecast rows for every key over its region's reported months
    (`reported_months`), months without referrals filled with zero, and the `method` that made them.
    `previous` (the last result) is reused for every key whose history is unchanged and was forecast by
    this same code and horizon: a fit depends on nothing else, so a night that touched one region refits
    one region's series, not the nation's."""
    frames = []
    if monthly.empty:
        return pd.DataFrame()
    monthly = monthly.assign(period=pd.to_datetime(monthly["month"]).dt.to_period("M"))
    spans = reported_months(monthly, keys[0])
    reusable = _by_key(previous, keys, horizon)
    for key, group in monthly.groupby(keys, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        months = spans[key[0]]
        history_months = _dates(months)
        series = group.groupby("period")["referrals"].sum().reindex(months, fill_value=0).astype(float)
        if (old := reusable.get(key)) is not None and _same_history(old, history_months, series):
            frames.append(old)
            continue
        mae_model, mae_naive, holdout = backtest(series)
        predicted = fit_predict(series, horizon)
        base = dict(zip(keys, key, strict=True))
        model = MODEL_NAME if len(series) >= MIN_MONTHS_FOR_ETS or series.nunique() <= 1 else SHORT_MODEL_NAME
        meta = {"model": model, "backtest_months": holdout, "backtest_mae_model": mae_model,
                "backtest_mae_seasonal_naive": mae_naive, "method": f"{METHOD}/{horizon}"}
        frames.append(pd.DataFrame({**base, "month": history_months,
                                    "kind": "history", "referrals": series.to_numpy(), **meta}))
        frames.append(pd.DataFrame({**base, "month": _dates(predicted.index),
                                    "kind": "forecast", "forecast": predicted["mean"].to_numpy(),
                                    "lo80": predicted["lo80"].to_numpy(), "hi80": predicted["hi80"].to_numpy(),
                                    "lo95": predicted["lo95"].to_numpy(), "hi95": predicted["hi95"].to_numpy(),
                                    **meta}))
    # every key has history and forecast rows, so the concatenation has every column (as_table orders them)
    return pd.concat(frames, ignore_index=True)


def _by_key(previous: pd.DataFrame | None, keys: list[str], horizon: int) -> dict[tuple, pd.DataFrame]:
    """The previous result's rows per key, only those made by this code and horizon."""
    if previous is None or previous.empty or "method" not in previous:
        return {}
    current = previous[previous["method"] == f"{METHOD}/{horizon}"]
    return {k if isinstance(k, tuple) else (k,): g.reset_index(drop=True)
            for k, g in current.groupby(keys, dropna=False)}


def _dates(months: pd.PeriodIndex) -> list:
    """The first day of each month, as dates."""
    return list(months.to_timestamp().date)


def _same_history(old: pd.DataFrame, months: list, series: pd.Series) -> bool:
    history = old[old["kind"] == "history"]
    return (len(history) == len(series)
            and list(pd.to_datetime(history["month"]).dt.date) == months
            and np.array_equal(history["referrals"].to_numpy(dtype=float), series.to_numpy()))


def as_table(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A forecast's rows as its table: every column, in order (one a frame lacks is blank). With nothing to
    forecast yet (no referral, no costed placement) the rows are none but the columns are typed: a table
    needs columns, and the marts read them (DuckDB refuses a frame without columns: the build failed)."""
    if frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype=_DTYPES[t]) for c, t in columns.items()})
    frame = frame.copy()
    for column in columns:
        if column not in frame:
            frame[column] = None
    return frame[list(columns)]
