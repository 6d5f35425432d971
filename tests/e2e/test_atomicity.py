"""A process killed in the middle of loading a file leaves no partial rows; the next run completes it."""

import datetime as dt
import os
import subprocess
import sys
import textwrap

import pytest

from synthetic.generator import generate_region
from tests.helpers import open_wh

pytestmark = pytest.mark.e2e

CRASHING_INTAKE = textwrap.dedent("""
    import os
    from warehouse import load
    from warehouse.storage import raw as warehouse
    from ingest.settings import load_settings

    load.BATCH_ROWS = 1  # one file per transaction, so a file's commit can be told from the next one's

    insert = warehouse._insert_rows
    calls = []

    def insert_then_die(*args, **kwargs):
        insert(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:  # the second batch's rows are written, its transaction not committed
            os.kill(os.getpid(), 9)

    warehouse._insert_rows = insert_then_die
    load.run_intake(load_settings())
""")


def test_kill_during_load_then_rerun_has_no_duplicate_and_no_missing_rows(home, warehouse_profile):
    region = generate_region(home / "landing", seed=3, las=("840", "391"), first_year=2024, quarters=2,
                             referrals_per_quarter=6, messy=False, today=dt.date(2026, 1, 1))
    child = subprocess.run([sys.executable, "-c", CRASHING_INTAKE], env=dict(os.environ), timeout=300,
                           capture_output=True)
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    with open_wh(home, read_only=False) as con:
        loaded_files = con.execute("SELECT count(*) FROM raw.submissions").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM raw.placements").fetchone()[0]
        per_file = con.execute("SELECT file_name, count(*) FROM raw.placements GROUP BY 1").fetchall()
    assert loaded_files == 1  # the first file committed, the second died inside its transaction
    expected = region.records.groupby("file_name").size().to_dict()
    assert all(expected[name] == n for name, n in per_file) and rows == sum(n for _, n in per_file)
    remaining = [p for p in (home / "landing").rglob("*") if p.is_file()]
    assert len(remaining) == len(region.files) - 1  # the killed file is still waiting in landing

    from ingest.settings import load_settings
    from warehouse.load import run_intake

    result = run_intake(load_settings())
    assert result.count("accepted") == len(region.files) - 1 and result.count("rejected") == 0
    with open_wh(home) as con:
        total = con.execute("SELECT count(*) FROM raw.placements").fetchone()[0]
        distinct = con.execute("SELECT count(DISTINCT (file_sha256, source_row)) FROM raw.placements").fetchone()[0]
    assert total == distinct == len(region.records)
    assert [p for p in (home / "landing").rglob("*") if p.is_file()] == []
