"""A fault soak: `make soak` (python -m tests.soak [NIGHTS] [SEED]). Bounded: a few minutes.

Simulated nights with random faults, seeded: the run killed (kill -9 of its whole process group) at a
random moment of intake, dbt or publish; files arriving mid-run; a hostile file; a second run started
concurrently. Each night ends with a clean run, as the next night would. After every night it checks:
- every file received is accounted for: accepted + rejected + duplicate = files received, landing is empty;
- no duplicated or missing row against the generator's truth, in raw and in the published file;
- the published file opens, and after a killed run it is the previous one or a complete new one.
It prints the counts and exits 1 at the first broken night.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import duckdb

from ingest.settings import PROJECT_ROOT, Settings
from synthetic import hostile
from synthetic.generator import generate_region
from warehouse.storage.database import open_warehouse

PLACEMENTS = [sys.executable, "-m", "orchestration.cli", "run"]
KEYS = {"PLACEMENTS_PSEUDONYMISATION_KEY": "soak-pseudonymisation-key-0123456789",
        "PLACEMENTS_STORAGE_KEY": "soak-storage-key-0123456789abcdef"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Soak:
    def __init__(self, root: Path, seed: int):
        self.rng = random.Random(seed)
        self.home = root / "data"
        self.pool = root / "pool"
        self.env = {**os.environ, **KEYS, "PLACEMENTS_HOME": str(self.home), "DAGSTER_HOME": str(PROJECT_ROOT),
                    "PLACEMENTS_DAGSTER_STORAGE": str(self.home / "dagster"), "PLACEMENTS_LOCK_WAIT_SECONDS": "0"}
        os.environ.update(KEYS)
        self.region = generate_region(self.pool, seed=seed, las=("840", "391", "394"), first_year=2023,
                                      quarters=12, referrals_per_quarter=6, today=dt.date(2026, 1, 1))
        self.waiting = sorted(self.region.files + self.region.unreadable, key=lambda p: p.name)
        self.rng.shuffle(self.waiting)
        self.delivered: list[tuple[str, str, str]] = []  # (LA, file name, content hash) of every file dropped
        self.counts = Counter()
        self.previous: str | None = None

    def drop(self, count: int) -> None:
        for path in self.waiting[:count]:
            self._drop_file(path, path.parent.name)
        del self.waiting[:count]

    def _drop_file(self, path: Path, la: str) -> None:
        target = self.home / "landing" / la / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        self.delivered.append((la, path.name, _sha(target)))

    def drop_hostile(self, night: int) -> None:
        folder = self.pool / "hostile"
        folder.mkdir(exist_ok=True)
        maker = self.rng.choice([lambda p: hostile.decompression_bomb(p.with_suffix(".xlsx"), 300),
                                 lambda p: hostile.wide_csv(p.with_suffix(".csv")),
                                 lambda p: hostile.deep_jsonld(p.with_suffix(".jsonld"), 5000)])
        self._drop_file(maker(folder / f"night{night}"), "391")
        self.counts["hostile files"] += 1

    def run(self, kill_after: float | None = None, concurrent: bool = False,
            arrive_after: float | None = None) -> int:
        process = subprocess.Popen(PLACEMENTS, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, start_new_session=True)
        threads = []
        if arrive_after is not None and self.waiting:
            threads.append(threading.Timer(arrive_after, self.drop, [1]))
            self.counts["files arriving mid-run"] += 1
        if concurrent:
            def second():
                other = subprocess.run(PLACEMENTS, env=self.env, capture_output=True, text=True)
                self.counts[f"concurrent run exited {other.returncode}"] += 1
                assert other.returncode in (0, 3) and "Traceback" not in other.stderr, other.stderr[-2000:]
            threads.append(threading.Timer(self.rng.uniform(0.2, 3), second))
        for t in threads:
            t.start()
        try:
            if kill_after is not None:
                time.sleep(kill_after)
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    self.counts["runs killed"] += 1
            _, err = process.communicate(timeout=900)
        finally:
            for t in threads:
                t.join()
        if kill_after is None:
            assert process.returncode == 0, err[-3000:]
        return process.returncode

    def check(self, night: int, killed: bool) -> None:
        published = self.home / "published" / "placements.duckdb"
        landing = [p for p in (self.home / "landing").rglob("*") if p.is_file()]
        assert landing == [], f"night {night}: left in landing: {landing}"
        with open_warehouse(Settings(home=self.home), read_only=True) as con:
            submissions = con.execute("SELECT la_code, file_sha256, status FROM raw.submissions").fetchall()
            events = Counter(o for (o,) in con.execute("SELECT outcome FROM raw.file_events").fetchall())
            rows = dict(con.execute("SELECT file_sha256, count(*) FROM raw.placements GROUP BY 1").fetchall())
        received = {(la, sha) for la, _, sha in self.delivered}
        recorded = {(la, sha) for la, sha, _ in submissions}
        assert recorded == received, f"night {night}: received {len(received)} distinct, recorded {len(recorded)}"
        assert events["accepted"] + events["rejected"] + events["duplicate"] >= len(self.delivered)
        truth = self.region.records
        loaded = truth[~truth["expect_rejected"].eq(True)]
        names = {name for _, name, _ in self.delivered}
        expected = loaded[loaded["file_name"].isin(names)]
        by_file = expected.groupby(["la_code", "file_name"]).size()
        sha_of = {(la, name): sha for la, name, sha in self.delivered}
        for (la, name), n in by_file.items():
            got = rows.get(sha_of[(la, name)], 0)
            assert got == n, f"night {night}: {la}/{name} has {got} rows in raw, truth {n}"
        with duckdb.connect(str(published), read_only=True) as con:
            referrals = con.execute("SELECT count(*) FROM fct_referrals").fetchone()[0]
        assert referrals == len(expected), f"night {night}: {referrals} referrals published, truth {len(expected)}"
        self.counts["accepted"], self.counts["rejected"] = (sum(1 for *_, s in submissions if s == st)
                                                            for st in ("accepted", "rejected"))
        self.counts["duplicate events"] = events["duplicate"]
        self.previous = _sha(published)

    def published_is_whole(self) -> bool:
        """After a kill: the published file opens and every table reads; it is the previous one or a new one."""
        published = self.home / "published" / "placements.duckdb"
        if not published.exists():
            return self.previous is None
        with duckdb.connect(str(published), read_only=True) as con:
            for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        return True


def main() -> int:
    nights = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        soak = Soak(Path(tmp), seed)
        for night in range(1, nights + 1):
            soak.drop(soak.rng.choice([1, 1, 2]))
            if soak.rng.random() < 0.2:
                soak.drop_hostile(night)
            fault = soak.rng.choice(["kill", "kill", "arrive", "concurrent", "none"])
            killed = fault == "kill"
            soak.counts[f"nights with fault: {fault}"] += 1
            soak.run(kill_after=soak.rng.uniform(0.5, 20) if killed else None, concurrent=fault == "concurrent",
                     arrive_after=soak.rng.uniform(0.5, 8) if fault == "arrive" else None)
            if killed:
                assert soak.published_is_whole(), f"night {night}: the published file is broken after a kill"
            if killed or any(p.is_file() for p in (soak.home / "landing").rglob("*")):
                soak.run()  # the next run completes what a killed one left, or takes what arrived mid-run
            soak.check(night, killed)
            print(f"night {night:2}: {fault:10} ok  ({len(soak.delivered)} files received so far, "
                  f"{time.monotonic() - started:5.0f}s)", flush=True)
        print("\nSoak passed:", ", ".join(f"{k}: {v}" for k, v in sorted(soak.counts.items())))
        print(f"files received {len(soak.delivered)}, nights {nights}, {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
