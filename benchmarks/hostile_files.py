"""How long each hostile input takes to be refused (printed, never asserted): `python -m benchmarks.hostile_files`.

Builds each input of synthetic/hostile.py, including the shape reported by a user (an 18 MB xlsx that
expands to about 5 GB), and times `assess_file` on it with the default limits: the refusal, its rule code
and its peak memory.
"""

from __future__ import annotations

import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import assess_file
from ingest.settings import MB, Settings
from ingest.standard.contract import load_contract
from synthetic import hostile


def main() -> None:
    contract = load_contract()
    gate = ExpectationGate(contract, today=dt.date(2026, 6, 30))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inputs = {
            "xlsx expanding to 5 GB (zip bomb)": lambda: hostile.decompression_bomb(folder / "bomb.xlsx", 5 * 1024),
            "xlsx with a billion-laughs entity": lambda: hostile.entity_bomb(folder / "lol.xlsx"),
            "CSV with 10,000 columns": lambda: hostile.wide_csv(folder / "wide.csv"),
            "CSV with a NUL byte": lambda: hostile.nul_csv(folder / "nul.csv"),
            "JSON-LD with 100,000 records": lambda: hostile.many_records_jsonld(folder / "many.jsonld"),
            "JSON-LD nested 100,000 deep": lambda: hostile.deep_jsonld(folder / "deep.jsonld"),
        }
        print(f"{'input':38} {'size':>9} {'refused in':>10}  rule  peak RSS")
        for name, make in inputs.items():
            path = make()
            started = time.perf_counter()
            assessment = assess_file(path, "933", contract, gate, Settings(home=folder))
            took = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            code = assessment.findings[0].code if assessment.findings else "-"
            print(f"{name:38} {path.stat().st_size / MB:7.1f}MB {took:9.2f}s  {code}  {peak:,.0f} MB "
                  f"({assessment.status})")


if __name__ == "__main__":
    main()
