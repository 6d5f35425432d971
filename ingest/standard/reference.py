"""Reference data the intake needs: the English local authorities (the dbt seed is the one copy)."""

from __future__ import annotations

import csv
from functools import cache

from ingest.settings import PROJECT_ROOT

LA_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "ref_local_authorities.csv"


@cache
def local_authorities() -> dict[str, dict[str, str]]:
    with LA_SEED.open(newline="", encoding="utf-8") as f:
        return {row["la_code"]: row for row in csv.DictReader(f)}
