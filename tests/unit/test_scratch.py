"""DuckDB's spill files: a folder per process beside the warehouse. A killed process leaves its spills
behind, and DuckDB then refuses to turn on temp_file_encryption over them: the next run failed (dbt spilled
into dbt_project/.tmp, shared by every build)."""

import os
import subprocess
import sys

from ingest.settings import load_settings
from warehouse.storage.database import open_warehouse, scratch_folder


def test_a_killed_process_spills_do_not_stop_the_next_open(home):
    settings = load_settings().ensure()
    with open_warehouse(settings) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = settings.warehouse.parent / ".tmp" / dead.stdout.strip()  # a process that is gone
    stale.mkdir(parents=True)
    (stale / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"\0" * 4096)
    old_layout = settings.warehouse.parent / ".tmp" / "duckdb_temp_storage_S64K-0.tmp"
    old_layout.write_bytes(b"\0" * 4096)
    with open_warehouse(settings) as con:
        assert con.execute("SELECT x FROM t").fetchone() == (1,)
        assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == \
            str(settings.warehouse.parent / ".tmp" / str(os.getpid()))
    assert not stale.exists() and not old_layout.exists()


def test_a_running_process_keeps_its_folder(tmp_path):
    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        theirs = warehouse.parent / ".tmp" / str(alive.pid)
        theirs.mkdir(parents=True)
        mine = scratch_folder(warehouse)
        assert mine.name == str(os.getpid()) and theirs.exists()
    finally:
        alive.kill()
        alive.wait()
