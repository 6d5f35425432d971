"""Opening the warehouse: one DuckDB file, encrypted with a key derived from the storage key.

Every reader and writer (the intake, dbt through its plugin, publish, erasure, the CLI) opens it here,
so the encryption and its settings are defined once. The database is attached under the name
`warehouse` to an in-memory connection, as DuckDB encrypts attached databases only.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import duckdb

from ingest.settings import Settings
from warehouse.security.encryption import load_storage_key, warehouse_passphrase
from warehouse.storage.sql import identifier, literal

CATALOG = "warehouse"


# DuckDB's cache would otherwise grow toward 80% of the machine. The intake and the other commands write
# and read little at a time; dbt's builds (window functions over every referral) get more. Beyond its limit
# DuckDB evicts or spills (encrypted). Together with the processes' own memory, a national backfill stays
# near 1 GB (docs/decisions.md).
MEMORY_LIMIT = "100MB"
DBT_MEMORY_LIMIT = "300MB"


def _httpfs() -> Path:
    """DuckDB's OpenSSL-backed cryptography comes with its httpfs extension; the duckdb-extension-httpfs
    package ships the signed binary for this DuckDB version, loaded from disk (never downloaded)."""
    version = f"v{duckdb.__version__}"
    path = resources.files("duckdb_extension_httpfs") / "extensions" / version / "httpfs.duckdb_extension"
    if not path.is_file():
        raise RuntimeError(f"DuckDB's httpfs extension for {duckdb.__version__} is not installed (package "
                           "duckdb-extension-httpfs of the same version): run `make install`.")
    return Path(str(path))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def scratch_folder(warehouse: Path) -> Path:
    """Where this process's DuckDB spills (encrypted), beside the warehouse: a folder per process. DuckDB
    refuses to turn on temp_file_encryption over temporary files already there, which a killed process
    leaves behind (before, dbt spilled into dbt_project/.tmp, and after a build was killed the next one
    failed); the folders of processes no longer running are removed here."""
    root = Path(warehouse).parent / ".tmp"
    root.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        if not entry.name.isdigit() or (int(entry.name) != os.getpid() and not _running(int(entry.name))):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
    folder = root / str(os.getpid())
    folder.mkdir(exist_ok=True)
    return folder


def attach(con: duckdb.DuckDBPyConnection, path: Path, storage_key: bytes, read_only: bool = False,
           alias: str = CATALOG, use: bool = True, memory_limit: str = MEMORY_LIMIT) -> None:
    """Attach the encrypted warehouse at `path` as `alias` (and make it the default catalog)."""
    con.execute(f"LOAD {literal(_httpfs())}")
    con.execute(f"SET temp_directory = {literal(str(scratch_folder(path)))}")
    con.execute("SET temp_file_encryption = true")  # spills to disk are encrypted too
    con.execute(f"SET memory_limit = {literal(memory_limit)}")
    options = f"ENCRYPTION_KEY {literal(warehouse_passphrase(storage_key))}" + (", READ_ONLY" if read_only else "")
    con.execute(f"ATTACH {literal(path)} AS {identifier(alias)} ({options})")  # ATTACH takes no parameters
    if use:
        con.execute(f"USE {identifier(alias)}")


def open_warehouse(settings: Settings, read_only: bool = False):
    """A connection to the configured warehouse (warehouse/storage/engines.py): this DuckDB file, or
    PostgreSQL when PLACEMENTS_WAREHOUSE_URL is set."""
    from warehouse.storage.engines import warehouse_for

    return warehouse_for(settings).connect(read_only)


def open_duckdb_warehouse(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        attach(con, settings.warehouse, load_storage_key(), read_only)
    except Exception:
        con.close()
        raise
    return con
