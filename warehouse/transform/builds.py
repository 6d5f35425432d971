"""The verdict of each run's dbt build, kept in the warehouse so that publish can refuse to publish a
run whose models or tests failed (Dagster does not stop Python assets downstream of a failed dbt test)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ingest.settings import Settings
from warehouse.storage.database import open_warehouse

VERDICT_DDL = """CREATE TABLE IF NOT EXISTS audit.dbt_builds (
    run_id VARCHAR, finished_at TIMESTAMP, success BOOLEAN, failures VARCHAR[])"""


def record_dbt_verdict(settings: Settings, run_id: str, success: bool, failures: list[str]) -> None:
    with open_warehouse(settings) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        con.execute(VERDICT_DDL)
        con.execute(
            "INSERT INTO audit.dbt_builds VALUES (?, ?, ?, ?)",
            [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), success, failures],
        )


def build_passed(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether the last dbt build recorded for `run_id` succeeded."""
    verdict = con.execute(
        "SELECT success FROM audit.dbt_builds WHERE run_id = ? ORDER BY finished_at DESC LIMIT 1", [run_id]
    ).fetchone()
    return bool(verdict and verdict[0])
