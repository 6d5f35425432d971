"""A national backfill from landing to published (printed, never asserted): `python -m benchmarks.backfill N_LAS`.

Generates N LAs x 20 quarterly returns with the synthetic generator (all formats, messy), then times
`placements run` in a child process and reports its wall time and peak memory.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest.standard.reference import local_authorities
from synthetic.generator import generate_region


def main() -> None:
    n_las = int(sys.argv[1]) if len(sys.argv) > 1 else 153
    per_quarter = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "data"
        started = time.perf_counter()
        region = generate_region(home / "landing", seed=1, las=tuple(sorted(local_authorities()))[:n_las],
                                 first_year=2021, quarters=20, referrals_per_quarter=per_quarter,
                                 today=dt.date(2026, 1, 1))
        generated = time.perf_counter()
        env = {**os.environ, "PLACEMENTS_HOME": str(home), "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster"),
               "PLACEMENTS_PSEUDONYMISATION_KEY": "benchmark-key-0123456789",
               "PLACEMENTS_STORAGE_KEY": "benchmark-storage-key-0123456789"}
        run = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], env=env, capture_output=True,
                             text=True)
        finished = time.perf_counter()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(run.stdout[run.stdout.find("\nRun "):][:600])
        print(f"files: {len(region.files) + len(region.unreadable)}  rows generated: {len(region.records):,}")
        print(f"generate: {generated - started:.0f}s   placements run: {finished - generated:.0f}s   "
              f"peak memory of the run: {peak_mb:,.0f} MB   exit: {run.returncode}")


if __name__ == "__main__":
    main()
