"""The benchmark's floor answers the same question as the product, or its time means nothing."""

import csv
import datetime as dt
from decimal import Decimal

from benchmarks.floor import CONTRACT, run_floor
from synthetic.generator import generate_region


def test_the_floor_reads_every_row_and_computes_the_medians(tmp_path):
    region = generate_region(tmp_path / "landing", seed=3, las=("840", "841"), first_year=2025, quarters=2,
                             referrals_per_quarter=10, messy=False, today=dt.date(2026, 1, 1))
    result = run_floor(tmp_path / "landing")

    truth = region.records.dropna(subset=["placement_type", "total_weekly_cost"]).copy()
    truth["quarter"] = [d.year * 10 + (d.month - 1) // 3 + 1 for d in truth["referral_date"]]
    expected = {(kind, quarter): Decimal(str(cost)).quantize(Decimal("0.001"))
                for (kind, quarter), cost in truth.groupby(["placement_type", "quarter"])["total_weekly_cost"]
                .median().items()}
    assert result["rows"] == len(region.records)
    assert result["unreadable"] == 0
    assert result["problems"] == {}
    assert {k: Decimal(v).quantize(Decimal("0.001")) for k, v in result["medians"].items()} == expected


def test_the_floor_counts_missing_required_fields_and_values_outside_the_vocabulary(tmp_path):
    version = CONTRACT.version("v2")
    sample = {"category": None, "category_list": None, "date": "2025-01-01", "money": "100.00", "boolean": "Yes",
              "integer": "1"}
    row = {}
    for f in version.fields:
        vocabulary = f.canonical.vocabulary
        row[f.label] = CONTRACT.canonical_values(vocabulary)[0] if vocabulary else sample.get(f.canonical.type, "x")
    row[version.get("child_id").label] = ""
    row[version.get("placement_type").label] = "Resi"
    folder = tmp_path / "landing" / "840"
    folder.mkdir(parents=True)
    with (folder / "return.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    (folder / "broken.xlsx").write_bytes(b"not a workbook")

    result = run_floor(tmp_path / "landing")

    assert (result["rows"], result["unreadable"]) == (1, 1)
    assert result["problems"] == {"missing child_id": 1, "not in vocabulary": 1}
