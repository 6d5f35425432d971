"""Retention and erasure: removing personal data the region no longer may keep.

The audit trail (`audit.erasures`) records what was removed and when, never whose records they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.settings import Settings
from ingest.standard import identity
from warehouse.pseudonymise import load_key, pseudonym
from warehouse.sql import qualified

AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit.erasures (
    erased_at TIMESTAMP, action VARCHAR, la_code VARCHAR, raw_rows_removed INTEGER,
    warehouse_rows_removed INTEGER, files_removed INTEGER, note VARCHAR)"""
BUILT_SCHEMAS = ("staging", "intermediate", "marts")  # what dbt builds; raw and audit are the intake's


@dataclass
class ErasureResult:
    raw_rows: int = 0
    warehouse_rows: int = 0
    files: int = 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _audit(con, action: str, la_code: str | None, result: ErasureResult, note: str) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(AUDIT_DDL)
    con.execute("INSERT INTO audit.erasures VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_now(), action, la_code, result.raw_rows, result.warehouse_rows, result.files, note])


def _existing(con, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, table]).fetchone()[0])


def _tables_with(con, column: str) -> list[tuple[str, str]]:
    """Built tables that hold a column: the per-child and per-referral tables, found in the catalogue, so
    a new model holding child rows is erased too without being named here."""
    return con.execute(
        """SELECT c.table_schema, c.table_name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE c.column_name = ? AND c.table_schema IN ? AND t.table_type = 'BASE TABLE'
           ORDER BY 1, 2""", [column, list(BUILT_SCHEMAS)]).fetchall()


def forget_child(settings: Settings, la_code: str, child_id: str) -> ErasureResult:
    """Remove one child's rows from raw and from every warehouse table that holds rows per child or per
    referral, in one transaction (all or nothing). The child id is normalised as on intake, so ' abc1'
    finds the rows of ABC1. The aggregates and the published file lose them at the next run. The audit
    entry holds no identifier."""
    child = identity.identifier(child_id)
    if child is None:
        raise ValueError("The child id is blank.")
    child_key = pseudonym(load_key(), la_code, child)
    result = ErasureResult()
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            result.raw_rows = con.execute(
                "DELETE FROM raw.placements WHERE la_code = ? AND child_id = ?", [la_code, child]).fetchone()[0]
            by_child, by_referral = _tables_with(con, "child_key"), _tables_with(con, "referral_key")
            referral_keys = sorted({k for schema, table in set(by_child) & set(by_referral) for (k,) in con.execute(
                f"SELECT DISTINCT referral_key FROM {qualified(schema, table)} WHERE child_key = ?", [child_key]
            ).fetchall()})
            for schema, table in by_child:
                result.warehouse_rows += con.execute(
                    f"DELETE FROM {qualified(schema, table)} WHERE child_key = ?", [child_key]).fetchone()[0]
            for schema, table in by_referral:
                if (schema, table) not in by_child and referral_keys:
                    result.warehouse_rows += con.execute(
                        f"DELETE FROM {qualified(schema, table)} WHERE referral_key IN ?",
                        [referral_keys]).fetchone()[0]
            _audit(con, "forget child", la_code, result,
                   "Aggregates and the published file are rebuilt without these rows at the next run.")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return result


def apply_retention(settings: Settings, today: dt.date | None = None) -> ErasureResult:
    """Remove raw rows received, and archived files modified, more than the retention period ago."""
    cutoff = dt.datetime.combine((today or dt.date.today()) - dt.timedelta(days=settings.retention_days), dt.time())
    result = ErasureResult()
    for path in sorted(p for p in settings.archive.rglob("*") if p.is_file()):
        if dt.datetime.fromtimestamp(path.stat().st_mtime) < cutoff:
            path.unlink()
            result.files += 1
    if Path(settings.warehouse).exists():
        with duckdb.connect(str(settings.warehouse)) as con:
            if _existing(con, "raw", "placements"):
                result.raw_rows = con.execute(
                    "DELETE FROM raw.placements WHERE received_at < ?", [cutoff]).fetchone()[0]
            note = f"Older than {settings.retention_days} days (before {cutoff:%Y-%m-%d})."
            _audit(con, "retention", None, result, note)
    return result
