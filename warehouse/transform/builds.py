"""The verdict of each run's dbt build, kept in the warehouse so that publish can refuse to publish a
run whose models or tests failed (Dagster does not stop Python assets downstream of a failed dbt test)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ingest.settings import Settings
from warehouse.storage.database import open_warehouse
from warehouse.storage.engines import warehouse_for

VERDICT_DDL = """CREATE TABLE IF NOT EXISTS audit.dbt_builds (
    run_id VARCHAR, finished_at TIMESTAMP, success BOOLEAN, failures VARCHAR[], project_hash VARCHAR)"""


def record_dbt_verdict(settings: Settings, run_id: str, success: bool, failures: list[str],
                       project_hash: str = "") -> None:
    with open_warehouse(settings) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        con.execute(VERDICT_DDL)
        con.execute(
            "INSERT INTO audit.dbt_builds VALUES (?, ?, ?, ?, ?)",
            [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), success, failures, project_hash],
        )


def needs_full_refresh(settings: Settings, project_hash: str) -> str | None:
    """Why the incremental models must be rebuilt from scratch, or None: no build yet, the last build
    failed, the dbt project changed since the last one (a model's SQL or columns), or retention removed raw
    rows since (incremental models only ever add and replace rows; erasure and key rotation edit them in place)."""
    if not warehouse_for(settings).exists():
        return "first build"
    with open_warehouse(settings, read_only=True) as con:
        tables = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'audit'").fetchall()}
        if "dbt_builds" not in tables:
            return "first build"
        last = con.execute("SELECT finished_at, project_hash, success FROM audit.dbt_builds "
                           "ORDER BY finished_at DESC LIMIT 1").fetchone()
        if last is None:
            return "first build"
        if not last[2]:  # what failed may have been repaired in raw, where an incremental build cannot see it
            return "the last build failed"
        if last[1] != project_hash:
            return "the dbt project changed"
        if "erasures" in tables and con.execute(
                "SELECT count(*) FROM audit.erasures WHERE action = 'retention' AND raw_rows_removed > 0 "
                "AND erased_at > ?", [last[0]]).fetchone()[0]:
            return "retention removed rows"
    return None


def build_passed(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether the last dbt build recorded for `run_id` succeeded."""
    verdict = con.execute(
        "SELECT success FROM audit.dbt_builds WHERE run_id = ? ORDER BY finished_at DESC LIMIT 1", [run_id]
    ).fetchone()
    return bool(verdict and verdict[0])
