"""Publishing the analyst file: the published marts only, with their descriptions, swapped in atomically.

Which relations are published is dbt's decision (`access: public`, the marts folder); the orchestration
passes them in. Their descriptions come from the warehouse's own catalogue (dbt persists them), so
nothing is copied by hand. Readers holding the old file open keep reading it (the swap is a rename);
nobody ever opens a half-written file. Publishing refuses unless dbt's build of the same run succeeded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import singledispatch
from pathlib import Path

import duckdb

from ingest.settings import Settings
from publish.derived import derived_tables
from publish.disclosure import EXPORTS
from publish.exports import stage_exports, staged_exports, swap_exports
from publish.published_schema import comment_statements, copy_to_duckdb, swap_published
from publish.top_up import add_missing_rows, open_analyst_file
from warehouse.storage.database import CATALOG, open_warehouse
from warehouse.storage.engines import DuckDbWarehouse, PostgresWarehouse, warehouse_for
from warehouse.storage.sql import identifier, qualified
from warehouse.transform.builds import build_passed

EXPORTED = {spec.table for spec in EXPORTS}


class PublishRefused(RuntimeError):
    pass


@dataclass
class PublishSummary:
    tables: dict[str, int] = field(default_factory=dict)
    exports: dict[str, int] = field(default_factory=dict)
    topped_up: list[str] = field(default_factory=list)  # tables carried over from the last file (top_up.py)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


Descriptions = dict[str, tuple[str, list[tuple[str, str]]]]  # table -> its description, (column, description)s


def _descriptions(con: duckdb.DuckDBPyConnection, database: str, schema: str) -> Descriptions:
    """Every table's and column's description in `database`.`schema`, read in two queries: asked table by
    table, the catalogue's queries took a fifth of a night's copy."""
    where = "WHERE database_name = ? AND schema_name = ? AND comment IS NOT NULL"
    tables = dict(con.execute(f"SELECT table_name, comment FROM duckdb_tables() {where}",
                              [database, schema]).fetchall())
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, text in con.execute(f"SELECT table_name, column_name, comment FROM duckdb_columns() {where} "
                                           "ORDER BY table_name, column_index", [database, schema]).fetchall():
        columns.setdefault(table, []).append((column, text))
    return {table: (tables.get(table, ""), columns.get(table, [])) for table in {*tables, *columns}}


def _lacking(wanted: tuple[str, list[tuple[str, str]]], had: tuple[str, list[tuple[str, str]]]):
    """Of the descriptions `wanted`, those a carried-over table does not have already (`had`)."""
    description, columns = wanted
    present = dict(had[1])
    return ("" if description == had[0] else description), [(c, t) for c, t in columns if present.get(c) != t]


def _copy_from_duckdb(out: duckdb.DuckDBPyConnection, relations: Sequence[tuple[str, str]],
                      top_up: set[str]) -> dict[str, int]:
    """The relations copied from the warehouse file (attached to `out` as `wh`) into the analyst file
    `out`, the tables in `top_up` carried over and topped up (publish/top_up.py); rows per table. Each
    table is copied and described in one transaction: one commit, not one per description."""
    rows = {}
    here = _descriptions(out, out.execute("SELECT current_database()").fetchone()[0], "main")
    wanted = {schema: _descriptions(out, "wh", schema) for schema in sorted({schema for schema, _ in relations})}
    for schema, table in relations:
        name = identifier(table)
        out.execute("BEGIN TRANSACTION")
        if table in top_up:
            add_missing_rows(out, schema, table)
        else:
            out.execute(f"DROP TABLE IF EXISTS main.{name}")
            out.execute(f"CREATE TABLE main.{name} AS SELECT * FROM wh.{qualified(schema, table)}")
        rows[table] = out.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]
        described = wanted[schema].get(table, ("", []))
        if table in top_up:
            described = _lacking(described, here.get(table, ("", [])))
        for statement in comment_statements(f"main.{name}", *described):
            out.execute(statement)
        out.execute("COMMIT")
    out.execute("DETACH wh")
    return rows


def _copy_from_postgres(warehouse: PostgresWarehouse, out: duckdb.DuckDBPyConnection,
                        relations: Sequence[tuple[str, str]]) -> dict[str, int]:
    """On PostgreSQL: the schema `published` swapped in first, then copied into the analyst file."""
    with warehouse.connect() as con:
        swap_published(con, relations)
        return copy_to_duckdb(con, out, relations)


def _exports_from(con, settings: Settings) -> dict[str, int]:
    """The suppressed exports, from the public marts in `con`'s current schema: the marts that are exported
    (fct_referrals, the big one, only through the derived tables) and the derived tables."""
    present = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                         "current_database() AND schema_name = current_schema()").fetchall()}
    frames = {t: con.execute(f"SELECT * FROM {identifier(t)}").df() for t in sorted(EXPORTED & present)}
    frames.update(derived_tables(con, present))
    return stage_exports(frames, settings.exports, settings.suppression_threshold)


@singledispatch
def _write_files(warehouse: DuckDbWarehouse, staging: Path, relations: Sequence[tuple[str, str]]) -> PublishSummary:
    """The analyst file at `staging` and the exports: rows per table, rows per export. On DuckDB the
    exports are read from the warehouse's marts (read-only) on a second thread while this one writes the
    analyst file: the copy is DuckDB's work, off Python's lock, and the exports mostly Python's, so the two
    overlap. The analyst file starts from the published one when the night can top it up (top_up.py)."""
    def exports() -> dict[str, int]:
        with warehouse.connect(read_only=True) as con:
            con.execute(f"USE {CATALOG}.marts")
            return _exports_from(con, warehouse.settings)

    with ThreadPoolExecutor(max_workers=1) as aside:
        exporting = aside.submit(exports)
        out, top_up = open_analyst_file(warehouse.settings.warehouse, warehouse.settings.published, staging,
                                        relations)
        with out:
            tables = _copy_from_duckdb(out, relations, top_up)
            out.execute("CHECKPOINT")
        return PublishSummary(tables, exporting.result(), sorted(top_up))


@_write_files.register
def _(warehouse: PostgresWarehouse, staging: Path, relations: Sequence[tuple[str, str]]) -> PublishSummary:
    """On PostgreSQL: the analyst file first, then the exports from it (their derived tables are DuckDB SQL)."""
    with duckdb.connect(str(staging)) as out:
        tables = _copy_from_postgres(warehouse, out, relations)
        out.execute("CHECKPOINT")
        return PublishSummary(tables, _exports_from(out, warehouse.settings))


def publish(settings: Settings, run_id: str | None, relations: Sequence[tuple[str, str]]) -> PublishSummary:
    """Copy `relations` ((schema, table) in the warehouse) into a new analyst file and swap it in.
    `run_id` None skips the build check (operator tooling and tests)."""
    if run_id is not None:
        with open_warehouse(settings, read_only=True) as con:
            if not build_passed(con, run_id):
                raise PublishRefused("dbt did not build and test successfully in this run: nothing published.")
    target = settings.published
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        summary = _write_files(warehouse_for(settings), staging, relations)
        swap_exports(settings.exports)  # both written: the exports, then the file, take their place
        os.replace(staging, target)  # atomic on one filesystem: readers see the old or the new file
    finally:
        staging.unlink(missing_ok=True)
        Path(str(staging) + ".wal").unlink(missing_ok=True)
        shutil.rmtree(staged_exports(settings.exports), ignore_errors=True)
    return summary
