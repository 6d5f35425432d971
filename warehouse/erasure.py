"""Retention and erasure: removing personal data the region no longer may keep.

The audit trail (`audit.erasures`) records what was removed and when, never whose records they were.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from ingest.intake.bounds import OverLimit
from ingest.intake.conform import FileRejected, conform_table, header_scorer
from ingest.intake.readers import UnreadableFile, file_kind, read_data
from ingest.intake.redact import without_rows
from ingest.settings import Settings
from ingest.standard import identity
from ingest.standard.contract import load_contract
from warehouse.security import tombstones
from warehouse.security.encryption import SealBroken, load_storage_key, read_sealed, write_sealed
from warehouse.security.keys import check_key
from warehouse.security.pseudonymise import load_key, pseudonym
from warehouse.storage import archive
from warehouse.storage.database import open_warehouse
from warehouse.storage.engines import warehouse_for
from warehouse.storage.inbox import inbox_for
from warehouse.storage.sql import qualified

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
    """Erase one child of one LA, so that it holds:
    1. a tombstone (a keyed mark, no identifier) so that no later submission or archive reload brings
       the child back;
    2. the child's rows out of the LA's archived and quarantined originals (rewritten in place, sealed);
    3. the child's rows out of raw and of every warehouse table with a child_key (and its referrals out of
       every table with a referral_key), with the audit entry, in one transaction that rolls back on any
       error (running forget again then completes it).
    The child id is normalised as on intake, so ' abc1' finds the rows of ABC1. Aggregates and the
    published file lose the child at the next run. The audit entry holds no identifier."""
    child = identity.identifier(child_id)
    if child is None:
        raise ValueError("The child id is blank.")
    key = load_key()
    child_key = pseudonym(key, la_code, child)
    result = ErasureResult()
    with open_warehouse(settings) as con:
        check_key(con, key)  # a different key would miss the child's pseudonymised rows
        tombstones.add(settings, la_code, child)  # first: an interrupted erasure still holds at the gate
        rewritten, unchecked = _redact_originals(settings, la_code, child)
        inbox_for(settings).copy_up()  # the bucket's copies of the rewritten originals too, when there is one
        result.files = rewritten
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
            note = (f"Tombstone recorded; {rewritten} archived or quarantined original(s) rewritten without the "
                    "child's rows. Aggregates and the published file are rebuilt without them at the next run.")
            if unchecked:
                note += f" {unchecked} original(s) could not be read to check (unreadable files loaded no rows)."
            _audit(con, "forget child", la_code, result, note)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return result


def _redact_originals(settings: Settings, la_code: str, child: str) -> tuple[int, int]:
    """Rewrite every sealed original of the LA that holds rows of `child` without them (modification time
    kept, so retention still counts from receipt). Returns (rewritten, could not be read)."""
    contract, storage_key = load_contract(), load_storage_key()
    rewritten = unchecked = 0
    for folder in (settings.archive, settings.quarantine):
        for stored in archive.originals(folder, la_code):
            try:
                data = read_sealed(stored.path, storage_key)
                kind = file_kind(stored.original_name)
                table = read_data(data, kind, header_scorer(contract), contract.sheets, settings.limits)
                frame = conform_table(contract, table).frame
            except (UnreadableFile, FileRejected, OverLimit, SealBroken, ValueError, OSError):
                unchecked += 1
                continue
            rows = {int(r) for r in frame.loc[frame["child_id"] == child, "source_row"]}
            if rows:
                times = stored.path.stat()
                write_sealed(stored.path, without_rows(data, kind, rows, table.sheet), storage_key)
                os.utime(stored.path, (times.st_atime, times.st_mtime))
                rewritten += 1
    return rewritten, unchecked


def apply_retention(settings: Settings, today: dt.date | None = None) -> ErasureResult:
    """Remove raw rows received, and archived or quarantined originals received, more than the retention
    period ago (a file's modification time is its receipt: rewriting it for an erasure keeps it)."""
    cutoff = dt.datetime.combine((today or dt.date.today()) - dt.timedelta(days=settings.retention_days), dt.time())
    result = ErasureResult()
    for folder in (settings.archive, settings.quarantine):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
            if dt.datetime.fromtimestamp(path.lstat().st_mtime) < cutoff:
                path.unlink()
                result.files += 0 if path.name.endswith(".reason.txt") else 1
    inbox_for(settings).expire(cutoff)  # and the bucket's copies of the same originals, when there is one
    if warehouse_for(settings).exists():
        with open_warehouse(settings) as con:
            if _existing(con, "raw", "placements"):
                result.raw_rows = con.execute(
                    "DELETE FROM raw.placements WHERE received_at < ?", [cutoff]).fetchone()[0]
            note = f"Older than {settings.retention_days} days (before {cutoff:%Y-%m-%d})."
            _audit(con, "retention", None, result, note)
    return result
