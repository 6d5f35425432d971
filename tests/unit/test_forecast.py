import datetime as dt

import pandas as pd
import pytest

from analytics.forecast import DEMAND_COLUMNS, MODEL_NAME, SHORT_MODEL_NAME, as_table, forecast_demand
from analytics.spend import SPEND_COLUMNS, SPEND_KEYS, forecast_spend


def _monthly(counts, end="2025-03", la="840"):
    """One LA's monthly referrals ending at `end` (a quarter's last month: its return's period)."""
    months = pd.period_range(end=end, periods=len(counts), freq="M")
    return pd.DataFrame({"region": "North East", "la_code": la, "type": "Foster",
                         "month": [m.to_timestamp().date() for m in months], "referrals": counts})


@pytest.mark.parametrize("counts", [[3], [3, 5], [2, 0, 4, 1, 6]])
def test_a_first_night_with_months_too_few_for_ets_still_forecasts(counts):
    """A region's first return covers a quarter or less: the build must not fail on it (it did: statsmodels
    raised 'No supported index is available' and no mart was published)."""
    out = forecast_demand(_monthly(counts), ["region", "type"])
    ahead = out[out["kind"] == "forecast"]
    assert len(ahead) == 12 and ahead["month"].iloc[0] == dt.date(2025, 4, 1)
    if len(set(counts)) > 1:
        mean = sum(counts) / len(counts)
        assert set(ahead["model"]) == {SHORT_MODEL_NAME} and (ahead["forecast"] == mean).all()
        assert (ahead["lo95"] <= ahead["lo80"]).all() and (ahead["lo80"] <= mean).all()
        assert (ahead["hi80"] >= mean).all() and (ahead["hi95"] >= ahead["hi80"]).all()


def test_six_months_or_more_use_ets():
    out = forecast_demand(_monthly([3, 5, 4, 6, 2, 5, 4]), ["region", "type"])
    assert set(out["model"]) == {MODEL_NAME}


def test_an_unchanged_series_keeps_its_forecast_and_a_changed_one_is_refitted(monkeypatch):
    from analytics import forecast

    counts = [3, 5, 4, 6, 2, 5, 4, 7, 3, 5, 6, 4, 5, 3]
    north = _monthly(counts)
    south = _monthly([c + 2 for c in counts]).assign(region="South West")
    first = forecast_demand(pd.concat([north, south]), ["region", "type"])
    fits = []
    fit = forecast.fit_predict
    monkeypatch.setattr(forecast, "fit_predict", lambda *a: fits.append(1) or fit(*a))
    again = forecast_demand(pd.concat([north, south]), ["region", "type"], previous=first)
    assert fits == [] and again.equals(first)
    changed = south.assign(referrals=south["referrals"].where(south.index != 13, 40))
    third = forecast_demand(pd.concat([north, changed]), ["region", "type"], previous=first)
    assert len(fits) == 2  # the South West's backtest and forecast, nothing for the North East
    kept = third[third["region"] == "North East"].reset_index(drop=True)
    assert kept.equals(first[first["region"] == "North East"].reset_index(drop=True))
    assert not third[third["region"] == "South West"]["forecast"].equals(
        first[first["region"] == "South West"]["forecast"])
    stale = first.assign(method="older code")  # made by other code: refitted
    forecast_demand(pd.concat([north, south]), ["region", "type"], previous=stale)
    assert len(fits) == 6


def test_a_region_history_ends_where_all_its_las_have_reported():
    """An LA that returns the next quarter early does not make its region's next months look like a fall in
    demand (the rest of the region has not reported them yet), nor another region's."""
    region = pd.concat([_monthly([4] * 24, end="2025-03", la="840"), _monthly([6] * 27, end="2025-06", la="841"),
                        _monthly([5] * 27, end="2025-06", la="842").assign(region="South West")])
    out = forecast_demand(region, ["region", "type"])
    history = out[out["kind"] == "history"]
    north = history[history["region"] == "North East"]
    assert north["month"].max() == dt.date(2025, 3, 1) and (north["referrals"] == 10).all()
    assert out[(out["region"] == "North East") & (out["kind"] == "forecast")]["month"].min() == dt.date(2025, 4, 1)
    south = history[history["region"] == "South West"]  # starts at its own first month, ends at its own last
    assert (south["month"].min(), south["month"].max()) == (dt.date(2023, 4, 1), dt.date(2025, 6, 1))
    assert (south["referrals"] == 5).all()


def test_an_la_whose_returns_stopped_is_not_waited_for():
    stopped = _monthly([4] * 12, end="2024-03", la="840")  # nothing since March 2024: more than 6 months behind
    going = _monthly([6] * 27, end="2025-06", la="841")
    history = forecast_demand(pd.concat([stopped, going]), ["region", "type"]).query("kind == 'history'")
    assert history["month"].max() == dt.date(2025, 6, 1)


@pytest.mark.parametrize("columns", [DEMAND_COLUMNS, SPEND_COLUMNS], ids=["demand", "spend"])
def test_nothing_to_forecast_is_an_empty_table_with_the_forecasts_columns(columns):
    # an accepted return whose referrals are all unplaced has no costed placement: DuckDB refused the
    # column-less frame the spend outlook returned, the build failed and the night published nothing
    import duckdb

    empty = as_table(forecast_spend(pd.DataFrame(), SPEND_KEYS), columns)
    con = duckdb.connect()
    con.register("empty", empty)
    con.execute("CREATE TABLE outlook AS SELECT * FROM empty")
    types = {name: kind for name, kind, *_ in con.execute("DESCRIBE outlook").fetchall()}
    assert list(types) == list(columns) and con.execute("SELECT count(*) FROM outlook").fetchone() == (0,)
    expected = {"varchar": "VARCHAR", "float8": "DOUBLE", "bigint": "BIGINT", "date": "TIMESTAMP_NS"}
    assert types == {name: expected[kind] for name, kind in columns.items()}


def test_a_forecast_keeps_its_rows_as_its_table():
    monthly = pd.DataFrame({"region": "North East", "preferred_placement_type": "Foster", "la_code": "840",
                            "month": [dt.date(2025, m, 1) for m in (1, 2, 3)], "referrals": [3, 4, 5]})
    out = forecast_demand(monthly, ["region", "preferred_placement_type"])
    table = as_table(out, DEMAND_COLUMNS)
    assert list(table) == list(DEMAND_COLUMNS) and table.equals(out[list(DEMAND_COLUMNS)])
