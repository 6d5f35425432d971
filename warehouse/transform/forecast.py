"""The demand forecast on the PostgreSQL profile, where dbt runs no Python models: the same code as the
dbt Python model on DuckDB (analytics/forecast.py, with the same reuse of series whose history did not
change), run by the placements process between the two phases of the build. It reads the monthly counts
from int_referral_outcomes as this run built it and writes forecast.demand_forecast in one transaction,
which the SQL model int_demand_forecast then reads (dbt_project/models/intermediate/forecast_beside_dbt)."""

from __future__ import annotations

from analytics.forecast import forecast_demand
from warehouse.storage.engines import insert_frame

KEYS = ["region", "preferred_placement_type"]
COLUMNS = {  # as DuckDB types the Python model's frame
    "region": "varchar", "preferred_placement_type": "varchar", "month": "date", "kind": "varchar",
    "referrals": "float8", "forecast": "float8", "lo80": "float8", "hi80": "float8", "lo95": "float8",
    "hi95": "float8", "model": "varchar", "backtest_months": "bigint", "backtest_mae_model": "float8",
    "backtest_mae_seasonal_naive": "float8", "method": "varchar",
}
TABLE = "forecast.demand_forecast"


def _exists(con, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema, table]).fetchone()[0])


def write_forecast(con) -> int:
    """Forecast every region and preferred placement type; returns the rows written."""
    monthly = con.execute(
        "SELECT region, preferred_placement_type, referral_month AS month, count(*) AS referrals "
        "FROM intermediate.int_referral_outcomes GROUP BY 1, 2, 3").df()
    previous = con.execute("SELECT * FROM intermediate.int_demand_forecast").df() \
        if _exists(con, "intermediate", "int_demand_forecast") else None
    out = forecast_demand(monthly, KEYS, previous=previous)
    for column in COLUMNS:
        if column not in out:
            out[column] = None
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS forecast")
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        con.execute(f"CREATE TABLE {TABLE} ({', '.join(f'{c} {t}' for c, t in COLUMNS.items())})")
        if len(out):
            insert_frame(con, TABLE, out[list(COLUMNS)], COLUMNS, set())
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(out)
