"""Suppressed CSV and Parquet exports of the aggregate marts (publish/disclosure.py decides what is
hidden), written aside and swapped in as one folder, so a reader never sees half a set."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from publish.derived import DERIVED, LINKS
from publish.disclosure import EXPORTS, given_away, suppress


def _write_parquet(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, path: Path) -> None:
    """Parquet through DuckDB (no pyarrow needed); columns holding `c` are text, as in the CSV."""
    con.register("export", frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}))
    try:
        con.execute("COPY export TO ? (FORMAT parquet)", [str(path)])
    finally:
        con.unregister("export")


def export_tables(tables: dict[str, pd.DataFrame], folder: Path, threshold: int) -> dict[str, int]:
    """Write each suppressed export as CSV and Parquet into `folder`; returns rows per export."""
    written, shared = {}, {}
    with duckdb.connect() as con:  # one in-memory database for every Parquet file (10 ms to open each)
        for spec in (*EXPORTS, *DERIVED):
            if spec.table not in tables:
                continue
            linked = None
            if spec.table in LINKS and LINKS[spec.table][0] in shared:
                fine = LINKS[spec.table][1](shared[LINKS[spec.table][0]])
                linked = functools.partial(given_away, spec=spec, fine=fine, keys=spec.dims)
            out = shared[spec.table] = suppress(tables[spec.table], spec, threshold, linked)
            out.to_csv(folder / f"{spec.table}.csv", index=False)
            _write_parquet(con, out, folder / f"{spec.table}.parquet")
            written[spec.table] = len(out)
    return written


def staged_exports(folder: Path) -> Path:
    """Where the next set of exports is written before it replaces `folder`."""
    return folder.with_name(f".{folder.name}.{os.getpid()}.tmp")


def stage_exports(frames: dict[str, pd.DataFrame], folder: Path, threshold: int) -> dict[str, int]:
    """Write the exports into a fresh folder beside `folder` (swap_exports puts it in place)."""
    fresh = staged_exports(folder)
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    return export_tables(frames, fresh, threshold)


def swap_exports(folder: Path) -> None:
    """The staged exports in place of `folder`, as one folder: a reader never sees half a set."""
    fresh = staged_exports(folder)
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
