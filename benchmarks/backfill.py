"""Speed of the whole path, printed, never asserted: `python -m benchmarks.backfill [N_LAS] [PER_QUARTER]
[--growth 40,160]`.

1. Generates N LAs x 20 quarterly returns (all formats, messy) with the synthetic generator.
2. The floor (benchmarks/floor.py: fastest readers, one DuckDB script) over that landing folder.
3. `placements run` over the same folder: landing to published, wall time and peak memory; the ratio.
4. A night: one new return into the warehouse that now holds the backfill; `placements run` again; then
   another through the Dagster daemon's landing sensor (benchmarks/sensor_night.py).
5. With --growth, the backfill again at other referrals-per-quarter (files stay N x 20; rows grow).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.floor import run_floor
from benchmarks.sensor_night import time_sensor_run
from ingest.standard.reference import local_authorities
from synthetic.generator import generate_region

KEYS = {"PLACEMENTS_PSEUDONYMISATION_KEY": "benchmark-key-0123456789",
        "PLACEMENTS_STORAGE_KEY": "benchmark-storage-key-0123456789"}


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants together, from /proc (MB)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


def measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB of the command's processes together (itself, its assessor workers,
    dbt: sampled from /proc every 0.2 s) and its stdout. (The kernel's ru_maxrss of a child is no use here:
    it starts from this benchmark's own size at fork, which holds the generated backfill.)"""
    started = time.perf_counter()
    peak = 0.0
    with subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as child:
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.2):
                peak = max(peak, _tree_rss_mb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = child.stdout.read() if child.stdout else ""
        child.wait()
        done.set()
        sampler.join()
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed (exit {child.returncode}):\n{out[-2000:]}")
    return time.perf_counter() - started, peak, out


def placements_run(home: Path) -> tuple[float, float, str]:
    env = {**os.environ, **KEYS, "PLACEMENTS_HOME": str(home), "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster")}
    return measured([sys.executable, "-m", "orchestration.cli", "run"], env)


def backfill(root: Path, las: tuple[str, ...], per_quarter: int) -> tuple[Path, int, int]:
    home = root / f"data-{per_quarter}"
    region = generate_region(home / "landing", seed=1, las=las, first_year=2021, quarters=20,
                             referrals_per_quarter=per_quarter, today=dt.date(2026, 1, 1))
    return home, len(region.files) + len(region.unreadable), len(region.records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("las", nargs="?", type=int, default=153)
    parser.add_argument("per_quarter", nargs="?", type=int, default=80)
    parser.add_argument("--growth", default="", help="other referrals per quarter to time, e.g. 40,160")
    args = parser.parse_args()
    las = tuple(sorted(local_authorities()))[:args.las]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home, files, rows = backfill(root, las, args.per_quarter)
        print(f"backfill: {args.las} LAs x 20 quarters x {args.per_quarter} referrals: {files:,} files, "
              f"{rows:,} rows")
        floor = run_floor(home / "landing")
        backfill_seconds, backfill_peak, out = placements_run(home)
        summary = next((line for line in out.splitlines() if line.startswith("Files:")), "")
        print(f"floor:           {floor['seconds']:6.1f} s  ({floor['rows']:,} rows read)")
        print(f"placements run:  {backfill_seconds:6.1f} s  peak {backfill_peak:,.0f} MB (its processes together)  "
              f"({summary})")
        print(f"ratio product / floor: {backfill_seconds / floor['seconds']:.1f}x")

        one = generate_region(root / "night", seed=99, las=las[:1], first_year=2026, quarters=1,
                              referrals_per_quarter=args.per_quarter, messy=False, today=dt.date(2026, 6, 1))
        for path in one.files:
            target = home / "landing" / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
        seconds, peak, _ = placements_run(home)
        print(f"night, one new file into the backfilled warehouse: {seconds:.1f} s  peak {peak:,.0f} MB")
        other = generate_region(root / "sensor", seed=98, las=las[1:2], first_year=2026, quarters=1,
                                referrals_per_quarter=args.per_quarter, messy=False, today=dt.date(2026, 6, 1))
        run_seconds, waited = time_sensor_run(home, other.files[0], {**os.environ, **KEYS})
        print(f"night through the daemon's sensor: run {run_seconds:.1f} s (Dagster's start to end); "
              f"file arrival to published {waited:.1f} s (the sensor looks every 60 s)")

        points = {args.per_quarter: (files, rows, backfill_seconds, backfill_peak)}
        for per_quarter in (int(p) for p in args.growth.split(",") if p):
            grown, grown_files, grown_rows = backfill(root, las, per_quarter)
            took, peak, _ = placements_run(grown)
            points[per_quarter] = (grown_files, grown_rows, took, peak)
        if len(points) > 1:
            print("growth (files fixed, rows grow):")
            for per_quarter, (n_files, n_rows, took, peak) in sorted(points.items()):
                print(f"  {per_quarter:4d} referrals/quarter  {n_files:,} files  {n_rows:>9,} rows  {took:6.1f} s  "
                      f"{took / n_rows * 1e6:5.0f} us/row  peak {peak:,.0f} MB")


if __name__ == "__main__":
    main()
