"""How fast the gate validates a large return (printed, never asserted): `make bench`.

Writes a 100,000-row v2 CSV built from the synthetic generator's records, then times reading,
conforming and the expectation gate, and reports rows per second and peak memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import assess_prepared, prepare_file
from ingest.settings import Limits, Settings
from ingest.standard.contract import load_contract
from synthetic.generator import generate_region

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def main() -> None:
    contract = load_contract()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        region = generate_region(home / "gen", seed=11, las=("840", "391"), first_year=2023, quarters=4,
                                 referrals_per_quarter=60, messy=False, today=dt.date(2026, 1, 1))
        source = next(p for p in region.files if p.suffix == ".csv")
        lines = list(csv.reader(source.open(newline="", encoding="utf-8")))
        header, body = lines[0], [line for line in lines[1:] if any(line)]
        child = header.index("Child ID")
        big = home / "big.csv"
        with big.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for i in range(ROWS):
                row = list(body[i % len(body)])
                row[child] = f"B{i:07d}"
                writer.writerow(row)
        settings = Settings(home=home, limits=Limits(max_file_bytes=10**9, max_rows=10**6))
        started = time.perf_counter()
        gate = ExpectationGate(contract)
        ready = time.perf_counter()
        prepared = prepare_file(big, "391", contract, settings)
        conformed = time.perf_counter()
        assessment = assess_prepared([prepared], gate, settings)[0]
        done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: {assessment.rows_received:,}  status: {assessment.status}  accepted: {assessment.rows_accepted:,}")
    print(f"GX start-up (once per run): {ready - started:6.1f}s")
    print(f"read + conform:             {conformed - ready:6.1f}s  ({ROWS / (conformed - ready):,.0f} rows/s)")
    print(f"expectation gate:           {done - conformed:6.1f}s  ({ROWS / (done - conformed):,.0f} rows/s)")
    print(f"file total:                 {done - ready:6.1f}s  ({ROWS / (done - ready):,.0f} rows/s)")
    print(f"peak memory: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
