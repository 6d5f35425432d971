"""The synthetic generator the demo and the benchmarks use: a messy region spoils one CSV value, and a
region without a CSV return (one LA can have none) is still generated."""

import datetime as dt

from synthetic.generator import generate_region


def _region(tmp_path, las):
    return generate_region(tmp_path / "landing", seed=1, las=las, first_year=2021, quarters=4,
                           referrals_per_quarter=5, today=dt.date(2026, 1, 1))


def test_a_messy_region_spoils_one_value_of_a_csv_return(tmp_path):
    region = _region(tmp_path, ("201", "202", "203"))
    spoilt = region.records[region.records["expect_rejected"].eq(True)]
    assert len(spoilt) == 1 and spoilt["file_name"].iloc[0].endswith(".csv")


def test_a_messy_region_without_a_csv_return_is_generated_without_that_value(tmp_path):
    region = _region(tmp_path, ("201",))
    assert region.files and not any(p.suffix == ".csv" for p in region.files)
    assert "expect_rejected" not in region.records or not region.records["expect_rejected"].eq(True).any()
