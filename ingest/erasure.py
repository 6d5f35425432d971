"""Retention and erasure: removing personal data the region no longer may keep.

The audit trail (`audit.erasures`) records what was removed and when, never whose records they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.pseudonymise import load_key, pseudonym
from ingest.settings import Settings

AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit.erasures (
    erased_at TIMESTAMP, action VARCHAR, la_code VARCHAR, raw_rows_removed INTEGER,
    warehouse_rows_removed INTEGER, files_removed INTEGER, note VARCHAR)"""
# Warehouse tables holding rows of one child, and the key column to find them by.
CHILD_TABLES = (("staging", "stg_placements"), ("intermediate", "int_referrals_latest"), ("marts", "fct_referrals"))


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


def forget_child(settings: Settings, la_code: str, child_id: str) -> ErasureResult:
    """Remove one child's rows from raw and from every warehouse table that holds rows per child. The
    aggregates and the published file lose them at the next run. The audit entry holds no identifier."""
    child_key = pseudonym(load_key(), la_code, child_id)
    result = ErasureResult()
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("BEGIN TRANSACTION")
        result.raw_rows = con.execute(
            "DELETE FROM raw.placements WHERE la_code = ? AND trim(child_id) = ?", [la_code, child_id.strip()]
        ).fetchone()[0]
        referral_keys = []
        if _existing(con, "staging", "stg_placements"):
            referral_keys = [r[0] for r in con.execute(
                "SELECT DISTINCT referral_key FROM staging.stg_placements WHERE child_key = ?", [child_key]).fetchall()]
        for schema, table in CHILD_TABLES:
            if _existing(con, schema, table):
                result.warehouse_rows += con.execute(
                    f'DELETE FROM {schema}."{table}" WHERE child_key = ?', [child_key]).fetchone()[0]
        if referral_keys and _existing(con, "intermediate", "int_referral_needs"):
            result.warehouse_rows += con.execute(
                "DELETE FROM intermediate.int_referral_needs WHERE referral_key IN ?", [referral_keys]).fetchone()[0]
        _audit(con, "forget child", la_code, result,
               "Aggregates and the published file are rebuilt without these rows at the next run.")
        con.execute("COMMIT")
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
