"""The forecasts on the PostgreSQL profile, where dbt runs no Python models: the same code as the dbt
Python models on DuckDB (analytics/forecast.py for demand, analytics/spend.py for the spend outlook, with the
same reuse of series whose inputs did not change), run by the placements process between the two phases of
the build. Each reads its input from int_referral_outcomes as this run built it and writes one table of
schema `forecast` in one transaction, which a SQL model of the same name as the DuckDB Python model then
reads (dbt_project/models/intermediate/forecast_beside_dbt)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.forecast import DEMAND_COLUMNS, DEMAND_KEYS, as_table, demand_inputs, forecast_demand
from analytics.spend import SPEND_COLUMNS, SPEND_KEYS, forecast_spend, spend_inputs
from warehouse.storage.engines import insert_frame


@dataclass(frozen=True)
class BesideDbt:
    model: str  # the dbt model that reads the table (and whose last build holds yesterday's rows)
    table: str  # forecast.<name>
    columns: dict[str, str]  # as DuckDB types the Python model's frame
    inputs: str  # SQL over this run's int_referral_outcomes, the same as the DuckDB Python model's
    compute: Callable[[pd.DataFrame, pd.DataFrame | None], pd.DataFrame]


OUTCOMES = "intermediate.int_referral_outcomes"

DEMAND = BesideDbt(
    model="int_demand_forecast", table="forecast.demand_forecast",
    columns=DEMAND_COLUMNS,
    inputs=demand_inputs(OUTCOMES),
    compute=lambda frame, previous: forecast_demand(frame, DEMAND_KEYS, previous=previous),
)

SPEND = BesideDbt(
    model="int_spend_outlook", table="forecast.spend_outlook",
    columns=SPEND_COLUMNS,
    inputs=spend_inputs(OUTCOMES),
    compute=lambda frame, previous: forecast_spend(frame, SPEND_KEYS, previous=previous),
)

FORECASTS = (DEMAND, SPEND)


def _exists(con, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema, table]).fetchone()[0])


def write_forecast(con, forecast: BesideDbt) -> int:
    """Compute one forecast from this run's intermediate tables; returns the rows written."""
    frame = con.execute(forecast.inputs).df()
    previous = con.execute(f"SELECT * FROM intermediate.{forecast.model}").df() \
        if _exists(con, "intermediate", forecast.model) else None
    out = as_table(forecast.compute(frame, previous), forecast.columns)  # no inputs: no rows, typed columns
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS forecast")
        con.execute(f"DROP TABLE IF EXISTS {forecast.table}")
        con.execute(f"CREATE TABLE {forecast.table} "
                    f"({', '.join(f'{c} {t}' for c, t in forecast.columns.items())})")
        if len(out):
            insert_frame(con, forecast.table, out, forecast.columns, set())
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(out)
