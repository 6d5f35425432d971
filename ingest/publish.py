"""Publishing the analyst file: only the mart tables, with their descriptions, swapped in atomically.

Readers holding the old file open keep reading the old file (the swap is a rename); nobody ever
opens a half-written file. Publishing refuses unless dbt's build of the same run succeeded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.disclosure import EXPORTS
from ingest.settings import Settings

PUBLISHED_SCHEMAS = ("marts",)
EXPORTED = {spec.table for spec in EXPORTS}
VERDICT_DDL = """CREATE TABLE IF NOT EXISTS audit.dbt_builds (
    run_id VARCHAR, finished_at TIMESTAMP, success BOOLEAN, failures VARCHAR[])"""


class PublishRefused(RuntimeError):
    pass


@dataclass
class PublishSummary:
    tables: dict[str, int] = field(default_factory=dict)
    exports: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def record_dbt_verdict(warehouse: Path, run_id: str, success: bool, failures: list[str]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        con.execute(VERDICT_DDL)
        con.execute(
            "INSERT INTO audit.dbt_builds VALUES (?, ?, ?, ?)",
            [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), success, failures],
        )


def _descriptions(manifest_path: Path | None) -> dict[str, tuple[str, dict[str, str]]]:
    if manifest_path is None or not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model" and node.get("schema") in PUBLISHED_SCHEMAS:
            columns = {name: c.get("description", "") for name, c in node.get("columns", {}).items()}
            out[node["name"]] = (node.get("description", ""), columns)
    return out


def _quote(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def _write_exports(frames: dict, folder: Path, threshold: int) -> dict[str, int]:
    """Suppressed CSV and Parquet exports, written aside and swapped in as a folder."""
    from analytics.disclosure import export_tables

    fresh = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    written = export_tables(frames, fresh, threshold)
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return written


def publish(settings: Settings, run_id: str | None, manifest_path: Path | None = None) -> PublishSummary:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        if run_id is not None:
            verdict = con.execute(
                "SELECT success FROM audit.dbt_builds WHERE run_id = ? ORDER BY finished_at DESC LIMIT 1", [run_id]
            ).fetchone()
            if not verdict or not verdict[0]:
                raise PublishRefused("dbt did not build and test successfully in this run: nothing published.")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema IN ? ORDER BY 1",
                [list(PUBLISHED_SCHEMAS)],
            ).fetchall()
        ]
    target = settings.published
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    descriptions = _descriptions(manifest_path)
    summary = PublishSummary()
    try:
        with duckdb.connect(str(staging)) as out:
            out.execute(f"ATTACH '{settings.warehouse}' AS wh (READ_ONLY)")
            for table in tables:
                out.execute(f'CREATE TABLE main."{table}" AS SELECT * FROM wh.marts."{table}"')
                summary.tables[table] = out.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]
                description, columns = descriptions.get(table, ("", {}))
                if description:
                    out.execute(f'COMMENT ON TABLE main."{table}" IS {_quote(description)}')
                for column, text in columns.items():
                    if text:
                        out.execute(f'COMMENT ON COLUMN main."{table}"."{column}" IS {_quote(text)}')
            out.execute("DETACH wh")
            out.execute("CHECKPOINT")
        with duckdb.connect(str(staging), read_only=True) as con:
            # only the tables that are exported are read into memory (fct_referrals is the big one)
            frames = {t: con.execute(f'SELECT * FROM main."{t}"').df() for t in tables if t in EXPORTED}
        summary.exports = _write_exports(frames, target.parent / "exports", settings.suppression_threshold)
        os.replace(staging, target)  # atomic on one filesystem: readers see the old or the new file
    finally:
        staging.unlink(missing_ok=True)
        Path(str(staging) + ".wal").unlink(missing_ok=True)
    return summary
