"""Speed of the whole path, printed, never asserted: `python -m benchmarks.backfill [N_LAS] [PER_QUARTER]
[--growth 40,160]`.

1. Generates N LAs x 20 quarterly returns (all formats, messy) with the synthetic generator.
2. The floor (benchmarks/floor.py: fastest readers, one DuckDB script) over that landing folder.
3. `placements run` over the same folder: landing to published, wall time and peak memory; the ratio.
4. A night: one new return into the warehouse that now holds the backfill; `placements run` again, timed
   alone (sampling memory costs the run CPU: 0.4-0.9 s of a night on two cores), then a second night's
   return, sampled for its memory; then one through the Dagster daemon's landing sensor
   (benchmarks/sensor_night.py); and the first night's file again into a warehouse holding only its LA.
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
from dataclasses import dataclass
from pathlib import Path

from benchmarks.floor import run_floor
from benchmarks.sensor_night import time_sensor_run
from ingest.standard.reference import local_authorities
from synthetic.generator import generate_region

KEYS = {"PLACEMENTS_PSEUDONYMISATION_KEY": "benchmark-key-0123456789",
        "PLACEMENTS_STORAGE_KEY": "benchmark-storage-key-0123456789"}


@dataclass(frozen=True)
class Run:
    """One timed command: wall seconds, peak memory of its processes together, its stdout."""
    seconds: float
    rss_mb: float  # resident sets summed: pages two processes share (imported code) counted in each
    pss_mb: float  # proportional sets summed: each shared page split among its sharers, the machine's real use
    out: str

    @property
    def memory(self) -> str:
        return f"peak {self.pss_mb:,.0f} MB ({self.rss_mb:,.0f} MB resident, shared pages counted per process)"


def _descendants(root: int) -> set[int]:
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
    return tree


def _tree_memory_mb(root: int) -> tuple[float, float]:
    """Resident and proportional memory of a process and all its descendants together, from /proc (MB)."""
    rss = pss = 0
    for pid in _descendants(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = dict(line.split(":", 1) for line in rollup.splitlines()[1:] if ":" in line)
        rss += int(fields.get("Rss", "0 kB").split()[0])
        pss += int(fields.get("Pss", "0 kB").split()[0])
    return rss / 1024, pss / 1024


def measured(args: list[str], env: dict[str, str], sampled: bool = True) -> Run:
    """Wall seconds, peak memory of the command's processes together (itself, its assessor workers, dbt:
    sampled from /proc every 0.2 s when `sampled`, else 0) and its stdout. (The kernel's ru_maxrss of a
    child is no use here: it starts from this benchmark's own size at fork, which holds the generated
    backfill.) The peak that counts is the proportional one: the assessors and dbt each import much of the
    same code. Reading a process's proportional set takes the kernel ~4 ms, so sampling costs the run."""
    started = time.perf_counter()
    peak_rss = peak_pss = 0.0
    with subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as child:
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_rss, peak_pss
            while not done.wait(0.2):
                rss, pss = _tree_memory_mb(child.pid)
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)

        sampler = threading.Thread(target=sample, daemon=True) if sampled else None
        if sampler:
            sampler.start()
        out = child.stdout.read() if child.stdout else ""
        child.wait()
        done.set()
        if sampler:
            sampler.join()
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed (exit {child.returncode}):\n{out[-2000:]}")
    return Run(time.perf_counter() - started, peak_rss, peak_pss, out)


def placements_run(home: Path, sampled: bool = True) -> Run:
    env = {**os.environ, **KEYS, "PLACEMENTS_HOME": str(home), "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster")}
    return measured([sys.executable, "-m", "orchestration.cli", "run"], env, sampled)


def a_nights_file(root: Path, name: str, seed: int, la: str, per_quarter: int) -> Path:
    """One LA's new quarter, clean as a night's return, generated under `root`/`name`."""
    return generate_region(root / name, seed=seed, las=(la,), first_year=2026, quarters=1,
                           referrals_per_quarter=per_quarter, messy=False, today=dt.date(2026, 6, 1)).files[0]


def into_landing(home: Path, path: Path) -> None:
    target = home / "landing" / path.parent.name / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.rename(target)


def backfill(root: Path, las: tuple[str, ...], per_quarter: int, name: str = "") -> tuple[Path, int, int]:
    home = root / (name or f"data-{per_quarter}")
    region = generate_region(home / "landing", seed=1, las=las, first_year=2021, quarters=20,
                             referrals_per_quarter=per_quarter, today=dt.date(2026, 1, 1))
    return home, len(region.files) + len(region.unreadable), len(region.records)


def night_on_its_own(root: Path, la: str, per_quarter: int) -> Run:
    """The first night's file again (same LA, same seed), into a warehouse that holds only that LA's 20
    quarters: beside the national night, it tells the part of a night that grows with the warehouse from the
    part every night costs (starting the frameworks, dbt's nodes, the report)."""
    home, _, _ = backfill(root, (la,), per_quarter, name="data-one-la")
    placements_run(home, sampled=False)
    into_landing(home, a_nights_file(root, "night-one-la", 99, la, per_quarter))
    return placements_run(home, sampled=False)


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
        run = placements_run(home)
        summary = next((line for line in run.out.splitlines() if line.startswith("Files:")), "")
        print(f"floor:           {floor['seconds']:6.1f} s  ({floor['rows']:,} rows read)")
        print(f"placements run:  {run.seconds:6.1f} s  {run.memory}  ({summary})")
        print(f"ratio product / floor: {run.seconds / floor['seconds']:.1f}x")

        # three nights, each a new quarter of its own LA (of as many as the backfill has)
        night_la = [las[i % len(las)] for i in range(3)]
        into_landing(home, a_nights_file(root, "night", 99, night_la[0], args.per_quarter))
        night = placements_run(home, sampled=False)
        into_landing(home, a_nights_file(root, "night-sampled", 97, night_la[2], args.per_quarter))
        sampled = placements_run(home)
        print(f"night, one new file into the backfilled warehouse: {night.seconds:.1f} s (timed alone); "
              f"a second night, sampled for memory: {sampled.seconds:.1f} s  {sampled.memory}")
        alone = night_on_its_own(root, night_la[0], args.per_quarter)
        print(f"the same night into a warehouse holding only its LA's backfill (1 of {len(las)} LAs): "
              f"{alone.seconds:.1f} s (timed alone): the part of a night that does not grow with the warehouse")
        other = a_nights_file(root, "sensor", 98, night_la[1], args.per_quarter)
        run_seconds, waited = time_sensor_run(home, other, {**os.environ, **KEYS})
        print(f"night through the daemon's sensor: run {run_seconds:.1f} s (Dagster's start to end); "
              f"file arrival to published {waited:.1f} s (the sensor looks every 60 s)")

        points = {args.per_quarter: (files, rows, run)}
        for per_quarter in (int(p) for p in args.growth.split(",") if p):
            grown, grown_files, grown_rows = backfill(root, las, per_quarter)
            points[per_quarter] = (grown_files, grown_rows, placements_run(grown))
        if len(points) > 1:
            print("growth (files fixed, rows grow):")
            for per_quarter, (n_files, n_rows, took) in sorted(points.items()):
                print(f"  {per_quarter:4d} referrals/quarter  {n_files:,} files  {n_rows:>9,} rows  "
                      f"{took.seconds:6.1f} s  {took.seconds / n_rows * 1e6:5.0f} us/row  {took.memory}")


if __name__ == "__main__":
    main()
