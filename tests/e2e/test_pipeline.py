"""The whole path on a tiny generated region: landing -> gate -> raw -> dbt -> published."""

import datetime as dt
import shutil
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance

from synthetic.generator import generate_region
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e
LAS = ("933", "840", "801", "391")


def run_job():
    from orchestration.definitions import defs

    result = defs.resolve_job_def("nightly_run").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False
    )
    return result


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    home = tmp_path_factory.mktemp("region") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLACEMENTS_HOME", str(home))
        mp.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", TEST_KEY)
        generated = generate_region(home / "landing", seed=7, las=LAS, first_year=2024, quarters=3,
                                    referrals_per_quarter=8, today=dt.date(2026, 1, 1))
        # bad input beside the good: an unknown LA folder and a file with required columns missing
        (home / "landing" / "999").mkdir()
        shutil.copy(generated.files[0], home / "landing" / "999" / "return.xlsx")
        (home / "landing" / "840" / "partial.csv").write_text("Child ID,Placement Type\nX1,Foster\n")
        landed = sorted(p.name for p in (home / "landing").rglob("*") if p.is_file())
        result = run_job()
        yield {"home": home, "generated": generated, "result": result, "landed": landed, "mp": mp}


def test_run_succeeds_and_every_file_is_accounted_for(region):
    home = region["home"]
    assert region["result"].success
    assert [p for p in (home / "landing").rglob("*") if p.is_file()] == []
    archived = [p for p in (home / "archive").rglob("*") if p.is_file()]
    quarantined = [p for p in (home / "quarantine").rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")]
    assert len(archived) + len(quarantined) == len(region["landed"])
    reasons = {p.parent.name + "/" + p.name.split("_", 2)[2]: p.read_text()
               for p in (home / "quarantine").rglob("*.reason.txt")}
    assert any("not the DfE code" in r for k, r in reasons.items() if k.startswith("999/"))
    assert any("Required columns are missing" in r for k, r in reasons.items() if "partial" in k)
    assert any("could not be opened as an Excel workbook" in r for k, r in reasons.items() if "corrupt" in k)
    reports = list((home / "reports").rglob("*.html"))
    assert len(reports) == len(region["landed"])


def _expected_mart(records: pd.DataFrame) -> pd.DataFrame:
    loaded = records[~records["expect_rejected"].eq(True)]
    rows = []
    for (la, quarter, ptype), g in loaded.assign(
        referral_quarter=loaded["referral_date"].map(lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}"),
        placement_type=loaded["placement_type"].fillna("Not yet placed"),
    ).groupby(["la_code", "referral_quarter", "placement_type"]):
        costs = sorted(Decimal(str(c)) for c in g["total_weekly_cost"].dropna())
        median = None
        if costs:
            mid = len(costs) // 2
            median = costs[mid] if len(costs) % 2 else (costs[mid - 1] + costs[mid]) / 2
            median = median.quantize(Decimal("0.01"), ROUND_HALF_UP)
        rows.append((la, quarter, ptype, len(g), int(g["placement_type"].ne("Not yet placed").sum()), median))
    return pd.DataFrame(rows, columns=["la_code", "referral_quarter", "placement_type", "referrals", "placements",
                                       "median_weekly_cost"])


def test_mart_matches_an_independent_computation_from_the_generator(region):
    expected = _expected_mart(region["generated"].records).sort_values(
        ["la_code", "referral_quarter", "placement_type"]).reset_index(drop=True)
    with duckdb.connect(str(region["home"] / "published" / "placements.duckdb"), read_only=True) as con:
        got = con.execute(
            """SELECT la_code, referral_quarter, placement_type, referrals, placements, median_weekly_cost
               FROM mart_placements_by_la_quarter ORDER BY 1, 2, 3"""
        ).df()
    assert len(expected) > 10
    assert got["la_code"].tolist() == expected["la_code"].tolist()
    assert got["referral_quarter"].tolist() == expected["referral_quarter"].tolist()
    assert got["placement_type"].tolist() == expected["placement_type"].tolist()
    assert got["referrals"].tolist() == expected["referrals"].tolist()
    assert got["placements"].tolist() == expected["placements"].tolist()
    got_medians = [None if pd.isna(m) else Decimal(str(m)).quantize(Decimal("0.01")) for m in got["median_weekly_cost"]]
    assert got_medians == expected["median_weekly_cost"].tolist()


def test_the_bad_value_row_was_rejected_and_the_rest_of_its_file_loaded(region):
    records = region["generated"].records
    bad = records[records["expect_rejected"].eq(True)]
    assert len(bad) == 1
    with duckdb.connect(str(region["home"] / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute(
            "SELECT count(*) FROM raw.placements WHERE la_code = ? AND file_name = ?",
            [bad.iloc[0]["la_code"], bad.iloc[0]["file_name"]],
        ).fetchone()[0]
    first = bad.iloc[0]
    same_file = records[(records["file_name"] == first["file_name"]) & (records["la_code"] == first["la_code"])]
    assert loaded == len(same_file) - 1


def test_published_file_holds_only_analyst_tables_and_nothing_identifying(region):
    records = region["generated"].records
    secrets = set(records["child_id"]) | set(records["referral_officer_name"].dropna()) | set(
        records.get("placement_officer_name", pd.Series(dtype=str)).dropna()) | {TEST_KEY}
    with duckdb.connect(str(region["home"] / "published" / "placements.duckdb"), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        assert sorted(tables) == ["dim_local_authority", "mart_placements_by_la_quarter"]
        for table in tables:
            frame = con.execute(f'SELECT * FROM "{table}"').df()
            text = " ".join(frame.astype(str).to_numpy().ravel())
            assert not [s for s in secrets if s in text], table
        comment = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'mart_placements_by_la_quarter'").fetchone()[0]
        assert "Referrals, placements and median weekly cost" in comment
    raw_bytes = (region["home"] / "published" / "placements.duckdb").read_bytes()
    assert TEST_KEY.encode() not in raw_bytes
    assert not any(s.encode() in raw_bytes for s in list(records["child_id"])[:50])


def test_same_content_again_is_a_duplicate_and_loads_nothing(region):
    home = region["home"]
    archived = sorted((home / "archive" / "840").glob("*.csv"))[0]
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM raw.placements").fetchone()[0]
    shutil.copy(archived, home / "landing" / "840" / "resent.csv")
    result = run_job()
    assert result.success
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        after = con.execute("SELECT count(*) FROM raw.placements").fetchone()[0]
        outcome = con.execute(
            "SELECT outcome FROM raw.file_events WHERE file_name = 'resent.csv'").fetchall()
    assert after == before
    assert outcome == [("duplicate",)]


def test_asset_graph_connects_intake_to_dbt_to_publish():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert AssetKey(["raw", "placements"]) in keys and AssetKey(["published", "placements"]) in keys
    staging = next(k for k in keys if k.path[-1] == "stg_placements")
    mart = next(k for k in keys if k.path[-1] == "mart_placements_by_la_quarter")
    assert AssetKey(["raw", "placements"]) in graph.get(staging).parent_keys
    assert mart in graph.get(AssetKey(["published", "placements"])).parent_keys
    assert defs.resolve_schedule_def("nightly_0200_london").execution_timezone == "Europe/London"
    assert defs.resolve_sensor_def("landing_sensor")


def test_corrected_resubmission_supersedes_and_raw_keeps_both_versions(region):
    import csv

    home = region["home"]
    original = sorted((home / "archive" / "391").glob("*.csv"))[-1]
    lines = list(csv.reader(original.open(newline="", encoding="utf-8-sig"), delimiter=";"))
    cost_col = lines[0].index("totalWeeklyCost")
    row = next(i for i, line in enumerate(lines[1:], start=1) if line and line[cost_col])
    child_id = lines[row][lines[0].index("childId")]
    lines[row][cost_col] = "4321.00"
    corrected = home / "landing" / "391" / "corrected.csv"
    with corrected.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, delimiter=";").writerows(lines)
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        referrals_before = con.execute("SELECT count(*) FROM intermediate.int_referrals_latest").fetchone()[0]
    assert run_job().success
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        versions = con.execute(
            "SELECT total_weekly_cost FROM raw.placements WHERE la_code = '391' AND child_id = ? ORDER BY received_at",
            [child_id]).fetchall()
        latest = con.execute(
            """SELECT l.total_weekly_cost FROM intermediate.int_referrals_latest l
               JOIN staging.stg_placements s USING (submission_id, source_row)
               WHERE s.submission_id LIKE '391-%' AND s.file_sha256 = (
                   SELECT file_sha256 FROM raw.submissions WHERE file_name = 'corrected.csv')
                 AND s.source_row = ?""", [row + 1]).fetchall()
        referrals_after = con.execute("SELECT count(*) FROM intermediate.int_referrals_latest").fetchone()[0]
    assert len(versions) == 2 and versions[-1][0] == Decimal("4321.00")
    assert latest == [(Decimal("4321.00"),)]
    assert referrals_after == referrals_before
