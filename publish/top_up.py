"""A night's analyst file made from the last one: the tables that only gained rows topped up, the rest
made afresh.

Writing the national fct_referrals (a quarter of a million rows) into a new file is most of a night's
publish, while a night adds a few hundred rows to it. So when the published file can be carried over, the
new file starts as a copy of it: a table that only gained rows in the warehouse gains them here, any other
table is made afresh.

Rows are matched by their content (DuckDB's hash of the whole row), so nothing about how dbt decides what
changed is assumed here. The file is written in full instead, as it always was, unless
- every published table is there with the same columns and types, and no other table is;
- no erasure or retention ran since it was written (the audit log): a removed row could still be read from
  the old file's free space, and an erased child must not be, nor aggregates made with the child;
- each row-level table (a child's rows: it has a child_key or a referral_key) only gains rows. A changed
  referral, an erased child or a rotated key means rows to remove, with the same risk;
- in each table topped up, each side's rows hash to distinct values, so adding the missing ones leaves
  exactly the warehouse's rows (the counts are checked again after).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

from warehouse.security.encryption import load_storage_key
from warehouse.storage.database import attach
from warehouse.storage.sql import identifier, qualified

ROW_LEVEL = ("child_key", "referral_key")  # as the erasure finds a child's rows (warehouse/erasure.py)
# an erasure this close before the last file was written counts as after it: some filesystems keep the
# time a file was written in whole (or even) seconds
MARGIN = dt.timedelta(seconds=2)


class _WriteInFull(Exception):
    pass


def open_analyst_file(warehouse_file: Path, published: Path, staging: Path,
                      relations: Sequence[tuple[str, str]]) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """`staging` opened, the warehouse attached read-only as `wh`: a copy of `published` and the tables
    to top up in it (add_missing_rows) when the night can carry it over, else a new file and no table."""
    if published.exists():
        written = dt.datetime.fromtimestamp(published.stat().st_mtime, dt.UTC).replace(tzinfo=None)
        shutil.copyfile(published, staging)
        con = _open(staging, warehouse_file)
        try:
            return con, _tables_to_top_up(con, relations, written)
        except (_WriteInFull, duckdb.Error):  # a file that cannot be read as expected is written anew
            con.close()
            staging.unlink()
            Path(f"{staging}.wal").unlink(missing_ok=True)
    return _open(staging, warehouse_file), set()


def _open(staging: Path, warehouse_file: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(staging))
    try:
        attach(con, warehouse_file, load_storage_key(), read_only=True, alias="wh", use=False)
    except BaseException:
        con.close()
        raise
    return con


def _tables_to_top_up(con: duckdb.DuckDBPyConnection, relations: Sequence[tuple[str, str]],
                      written: dt.datetime) -> set[str]:
    here = con.execute("SELECT current_database()").fetchone()[0]
    present = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
                                         [here]).fetchall()}
    if present != {table for _, table in relations} or _erased_since(con, written):
        raise _WriteInFull
    top_up = set()
    for schema, table in relations:
        columns = _columns(con, "wh", schema, table)
        if _columns(con, here, "main", table) != columns:
            raise _WriteInFull
        if _only_gains(con, qualified(schema, table), table):
            top_up.add(table)
        elif any(name in ROW_LEVEL for name, _ in columns):
            raise _WriteInFull
    return top_up


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND "
                       "schema_name = ? AND table_name = ? ORDER BY column_index", [database, schema, table]).fetchall()


def _erased_since(con: duckdb.DuckDBPyConnection, written: dt.datetime) -> bool:
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' AND schema_name = 'audit' "
                       "AND table_name = 'erasures'").fetchone()[0]:
        return False
    last = con.execute("SELECT max(erased_at) FROM wh.audit.erasures").fetchone()[0]
    return last is not None and last >= written - MARGIN


def _only_gains(con: duckdb.DuckDBPyConnection, source: str, table: str) -> bool:
    """`table` in the file holds no row the warehouse's `source` lacks, and each side's row hashes are distinct."""
    kept, wanted = f"main.{identifier(table)}", f"wh.{source}"
    return con.execute(
        f"""WITH kept AS (SELECT hash(t) AS h FROM {kept} t), wanted AS (SELECT hash(t) AS h FROM {wanted} t)
            SELECT (SELECT count(*) FROM kept ANTI JOIN wanted USING (h)) = 0
               AND (SELECT count(*) = count(DISTINCT h) FROM kept)
               AND (SELECT count(*) = count(DISTINCT h) FROM wanted)""").fetchone()[0]


def add_missing_rows(out: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The warehouse's rows (attached as `wh`) that `table` in the carried-over file lacks, added to it."""
    kept, wanted = f"main.{identifier(table)}", f"wh.{qualified(schema, table)}"
    out.execute(f"""INSERT INTO {kept} SELECT * EXCLUDE (_row_hash) FROM
                        (SELECT t.*, hash(t) AS _row_hash FROM {wanted} t) w
                    ANTI JOIN (SELECT hash(t) AS _row_hash FROM {kept} t) k USING (_row_hash)""")
    have, want = (out.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in (kept, wanted))
    if have != want:  # _only_gains found nothing to remove and the hashes distinct: cannot happen
        raise RuntimeError(f"{table}: {have} rows after topping up, the warehouse holds {want}")
