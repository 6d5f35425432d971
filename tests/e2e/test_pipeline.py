"""The whole path on a tiny generated region: landing -> gate -> raw -> dbt -> published."""

import datetime as dt
import json
import shutil
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey

from ingest.settings import PROJECT_ROOT
from synthetic.generator import generate_region
from tests.conftest import TEST_KEY
from tests.helpers import open_wh, run_nightly, unsealed, use_data_root

pytestmark = pytest.mark.e2e
LAS = ("933", "840", "801", "391", "394")  # June and April templates, v2 CSV two ways, JSON-LD


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    home = tmp_path_factory.mktemp("region") / "data"
    with pytest.MonkeyPatch.context() as mp:
        use_data_root(mp, home)
        generated = generate_region(home / "landing", seed=7, las=LAS, first_year=2024, quarters=3,
                                    referrals_per_quarter=8, today=dt.date(2026, 1, 1))
        # bad input beside the good: an unknown LA folder and a file with required columns missing
        (home / "landing" / "999").mkdir()
        shutil.copy(generated.files[0], home / "landing" / "999" / "return.xlsx")
        (home / "landing" / "840" / "partial.csv").write_text("Child ID,Placement Type\nX1,Foster\n")
        landed = sorted(p.name for p in (home / "landing").rglob("*") if p.is_file())
        result = run_nightly()
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
    with open_wh(region["home"]) as con:
        loaded = con.execute(
            "SELECT count(*) FROM raw.placements WHERE la_code = ? AND file_name = ?",
            [bad.iloc[0]["la_code"], bad.iloc[0]["file_name"]],
        ).fetchone()[0]
    first = bad.iloc[0]
    same_file = records[(records["file_name"] == first["file_name"]) & (records["la_code"] == first["la_code"])]
    assert loaded == len(same_file) - 1


PUBLISHED = ["dim_local_authority", "fct_referrals", "mart_cost_drivers", "mart_cost_index", "mart_cost_like_for_like",
             "mart_data_quality", "mart_demand_forecast", "mart_field_completeness", "mart_placements_by_la_quarter",
             "mart_provider_cost", "mart_spend_outlook", "mart_sufficiency"]


def _secrets(records: pd.DataFrame) -> set[str]:
    """Every raw child id, officer name and free-text value the generator wrote, and the key."""
    columns = ["child_id", "referral_officer_name", "placement_officer_name", "out_of_la_reason_other",
               "communication_requirements_other", "risk_other", "risk_to_others_other"]
    values = {v for c in columns if c in records for v in records[c].dropna().astype(str)}
    assert sum("(note " in v for v in values) > 5  # free text is in the region
    return values | {TEST_KEY}


def test_published_file_holds_only_documented_analyst_tables(region):
    with duckdb.connect(str(region["home"] / "published" / "placements.duckdb"), read_only=True) as con:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
        assert tables == PUBLISHED
        undocumented = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main' "
            "AND (comment IS NULL OR comment = '')").fetchall()
        assert undocumented == []
        assert all(c for (c,) in con.execute("SELECT comment FROM duckdb_tables() WHERE NOT internal").fetchall())


def test_nothing_identifying_leaks_anywhere(region):
    """Published tables, exports, the regional report, dbt's target/ and logs, the Dagster instance, the
    reports and the LAs' feedback folders: no raw id, officer name, free-text value or the key, in any file,
    as bytes."""
    secrets = [s.encode() for s in _secrets(region["generated"].records)]
    home = region["home"]
    places = [home / "published", home / "dagster", PROJECT_ROOT / "dbt_project" / "target",
              PROJECT_ROOT / "dbt_project" / "logs", home / "reports", home / "feedback"]
    scanned = 0
    for place in places:
        for path in (p for p in place.rglob("*") if p.is_file()) if place.exists() else []:
            data = path.read_bytes()
            found = [s.decode() for s in secrets if s in data]
            assert not found, f"{path} holds {found[:3]}"
            scanned += 1
    assert scanned > 20
    assert (home / "published" / "report" / "index.html").exists()  # the regional report, scanned above
    assert len(list((home / "feedback").glob("*/index.html"))) == len(LAS)
    exports = sorted(p.name for p in (home / "published" / "exports").iterdir())
    assert "mart_sufficiency.csv" in exports and "mart_sufficiency.parquet" in exports


def test_exports_suppress_small_counts(region):
    frame = pd.read_csv(region["home"] / "published" / "exports" / "mart_sufficiency.csv", dtype=str)
    counts = frame["referrals"]
    assert (counts == "c").any()
    numeric = pd.to_numeric(counts[counts != "c"])
    assert not ((numeric >= 1) & (numeric <= 5)).any()


def test_provider_export_shows_no_small_provider_or_la_cell(region):
    frame = pd.read_csv(region["home"] / "published" / "exports" / "mart_provider_cost.csv", dtype=str)
    providers = frame[frame["provider"] != "All"]
    shown = providers[providers["placements_costed"] != "c"]
    assert len(shown) and (pd.to_numeric(shown["placements_costed"]) > 5).all()
    # every provider and LA x provider cell of 5 or fewer placements: count and index hidden
    mart = _published(region, "SELECT region, provider, la_code, placement_type, placement_year, placements_costed "
                              "FROM mart_provider_cost WHERE placements_costed <= 5")
    keys = ["region", "provider", "la_code", "placement_type", "placement_year"]
    exported = providers.assign(placement_year=providers["placement_year"].astype(int))
    small = mart.merge(exported, on=keys, how="left", suffixes=("_mart", ""))
    assert len(small) and small["la_code"].notna().any()
    assert (small["placements_costed"] == "c").all() and (small["cost_index"] == "c").all()
    # in every region x type x year, 0 or at least 2 providers are hidden: none is the total minus the rest
    per_total = providers.groupby(["region", "placement_type", "placement_year"])["placements_costed"] \
        .agg(lambda c: (c == "c").sum())
    assert not (per_total == 1).any()


_GRAPH_PROBE = """
import json, sys
if sys.argv[1] == "with-dbt-core":
    import dbt.version  # noqa: F401 - loaded before the definitions, as in a process that ran dbt
from orchestration.definitions import defs
graph = defs.resolve_asset_graph()
print(json.dumps({
    "dbt_core_loaded": "dbt.adapters" in sys.modules,
    "assets": {k.to_user_string(): sorted(p.to_user_string() for p in graph.get(k).parent_keys)
               for k in graph.get_all_asset_keys()},
    "checks": sorted(str(c) for c in graph.asset_check_keys),
}))
"""


def test_definitions_load_dagster_dbt_without_dbt_core_and_build_the_same_graph():
    """Loading the definitions leaves dbt-core out of the process (dagster-dbt reads the manifest itself),
    and the asset graph and checks are those dagster-dbt builds with dbt-core loaded."""
    import json
    import subprocess
    import sys

    def probe(mode: str) -> dict:
        out = subprocess.run([sys.executable, "-c", _GRAPH_PROBE, mode], capture_output=True, text=True,
                             cwd=PROJECT_ROOT, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    without, with_core = probe("plain"), probe("with-dbt-core")
    assert not without["dbt_core_loaded"] and with_core["dbt_core_loaded"]
    assert len(without["checks"]) > 20 and any("stg_placements" in a for a in without["assets"])
    assert (without["assets"], without["checks"]) == (with_core["assets"], with_core["checks"])


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


def _published(region, sql):
    with duckdb.connect(str(region["home"] / "published" / "placements.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def test_sufficiency_matches_an_independent_computation(region):
    from tests.e2e.independent import sufficiency

    keys = ["la_code", "referral_quarter", "preferred_placement_type", "needed_by"]
    expected = sufficiency(region["generated"].records).sort_values(keys).reset_index(drop=True)
    got = _published(region, f"SELECT {', '.join(expected.columns)} FROM mart_sufficiency").sort_values(keys) \
        .reset_index(drop=True)
    assert len(expected) > 20
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_cost_like_for_like_matches_to_the_penny(region):
    from tests.e2e.independent import cost_like_for_like

    keys = ["la_code", "placement_quarter", "placement_type", "need_band"]
    expected = cost_like_for_like(region["generated"].records).sort_values(keys).reset_index(drop=True)
    got = _published(region, f"SELECT {', '.join(expected.columns)} FROM mart_cost_like_for_like").sort_values(keys) \
        .reset_index(drop=True)
    for column in ["mean_weekly_cost", "median_weekly_cost", "p25_weekly_cost", "p75_weekly_cost"]:
        got[column] = got[column].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    assert len(expected) > 10
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_provider_index_inputs_match_to_the_penny(region):
    from tests.e2e.independent import provider_index_inputs

    keys = ["region", "provider", "la_code", "placement_type", "placement_year"]
    expected = provider_index_inputs(region["generated"].records).sort_values(keys).reset_index(drop=True)
    got = _published(region, f"SELECT {', '.join(expected.columns)}, cost_index_lower_95, cost_index_upper_95 "
                             "FROM mart_provider_cost").sort_values(keys).reset_index(drop=True)
    for column in ["actual_weekly_cost", "expected_weekly_cost_at_regional_prices"]:
        got[column] = got[column].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    assert len(expected) > 10 and {"Unregistered", "Unknown"} <= set(expected["provider"])
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False, atol=0.00011)
    assert ((got["cost_index_lower_95"] <= got["cost_index"]) & (got["cost_index"] <= got["cost_index_upper_95"])).all()


def test_cost_driver_parts_add_up_exactly_for_regions_and_las(region):
    drivers = _published(region, "SELECT * FROM mart_cost_drivers")
    assert set(drivers["scope"]) == {"Region", "LA"}
    parts = drivers[["volume_effect", "mix_effect", "need_effect", "price_effect"]].sum(axis=1)
    assert (parts.map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
            == drivers["total_change"].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))).all()
    index = _published(region, "SELECT * FROM mart_cost_index")
    assert index["cost_index"].between(0.3, 3).all() and len(index) >= len(LAS)


# The tests below change the region (they submit more files): they run last.


def test_same_content_again_is_a_duplicate_and_loads_nothing(region):
    home = region["home"]
    archived = sorted((home / "archive" / "840").glob("*.csv"))[0]
    with open_wh(home) as con:
        before = con.execute("SELECT count(*) FROM raw.placements").fetchone()[0]
    (home / "landing" / "840" / "resent.csv").write_bytes(unsealed(archived))
    result = run_nightly()
    assert result.success
    with open_wh(home) as con:
        after = con.execute("SELECT count(*) FROM raw.placements").fetchone()[0]
        outcome = con.execute(
            "SELECT outcome FROM raw.file_events WHERE file_name = 'resent.csv'").fetchall()
    assert after == before
    assert outcome == [("duplicate",)]


def test_corrected_resubmission_supersedes_and_raw_keeps_both_versions(region):
    import csv
    import io

    home = region["home"]
    original = sorted((home / "archive" / "391").glob("*.csv"))[-1]
    lines = list(csv.reader(io.StringIO(unsealed(original).decode("utf-8-sig"), newline=""), delimiter=";"))
    cost_col = lines[0].index("totalWeeklyCost")
    row = next(i for i, line in enumerate(lines[1:], start=1) if line and line[cost_col])
    child_id = lines[row][lines[0].index("childId")]
    lines[row][cost_col] = "4321.00"
    corrected = home / "landing" / "391" / "corrected.csv"
    with corrected.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, delimiter=";").writerows(lines)
    with open_wh(home) as con:
        referrals_before = con.execute("SELECT count(*) FROM intermediate.int_referrals_latest").fetchone()[0]
    result = run_nightly()
    assert result.success
    # the referral's published row changed: the file is written in full, leaving no old row in its free space
    assert "fct_referrals" not in _topped_up(result)
    with open_wh(home) as con:
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


def test_the_first_build_of_a_new_data_root_parses_no_file_afresh(region):
    """Its dbt target started from the project's partial-parsing state (the profile does not name the data
    root, so the state fits every data root): dbt re-read no file of the project."""
    import json

    perf = json.loads((region["home"] / "dbt" / "target" / "perf_info.json").read_text())
    assert perf["is_partial_parse_enabled"] and perf["parsed_path_count"] == 0, perf["parsed_path_count"]


def _builds_logged(log, since: int) -> list[str]:
    """What the warm dbt wrote of each build after byte `since` of its log (warehouse/transform/warm.py)."""
    with log.open("rb") as written:
        written.seek(since)
        return [line for line in written.read().decode().splitlines() if line.startswith("build ")]


def _dbt_ran(home) -> set[str]:
    """The names of the nodes the data root's last dbt build ran (its run_results.json)."""
    results = json.loads((home / "dbt" / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2] for r in results}


def _topped_up(result) -> list[str]:
    """The tables the run's publish carried over from the last analyst file (publish/top_up.py)."""
    (event,) = [e for e in result.get_asset_materialization_events()
                if e.asset_key == AssetKey(["published", "placements"])]
    return event.materialization.metadata["topped_up"].data


def test_a_night_that_adds_referrals_tops_up_the_published_file_to_what_a_full_copy_holds(region):
    """A new LA's return only adds rows to fct_referrals: the night's build reuses its warm dbt's parse, and the
    file is carried over and topped up, holding every public table exactly as the warehouse does (rows,
    columns, descriptions)."""
    from orchestration.defs.publish import PUBLIC

    home = region["home"]
    log = home / "dbt" / "target" / "warm-dbt.log"
    before = log.stat().st_size if log.exists() else 0
    generate_region(home / "landing", seed=11, las=("935",), first_year=2025, quarters=1,
                    referrals_per_quarter=6, messy=False, today=dt.date(2026, 1, 1))
    result = run_nightly()
    assert result.success
    # dagster-dbt gives the build its own environment (the profiles folder named); the warm process parsed
    # under the same one, so the build does not parse the project again (half a second of every night)
    builds = _builds_logged(log, before)
    assert builds and all(line.endswith("uses the warm parse") for line in builds), builds
    # the project is the last build's: the tests that read only what its files make are not run again, while
    # every model is built, and the test that reads the night's rows against the LA seed runs
    names = _dbt_ran(home)
    assert not names & {"not_null_ref_local_authorities_la_code", "unique_stg_local_authorities_la_code",
                        "unique_dim_local_authority_la_code"}, sorted(names)
    assert {"ref_local_authorities", "stg_local_authorities", "dim_local_authority", "fct_referrals",
            "unique_fct_referrals_referral_key"} <= names
    assert any(n.startswith("relationships_stg_placements_la_code") for n in names), sorted(names)
    assert "fct_referrals" in _topped_up(result)
    published = home / "published" / "placements.duckdb"
    with open_wh(home) as con:
        con.execute(f"ATTACH '{published}' AS pub (READ_ONLY)")
        assert con.execute("SELECT count(*) FROM pub.main.fct_referrals WHERE la_code = '935'").fetchone()[0] > 0
        for schema, table in (relation for _, relation in PUBLIC):
            ours, theirs = f"pub.main.{table}", f"{schema}.{table}"
            for a, b in ((ours, theirs), (theirs, ours)):
                assert con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchone()[0] == 0, table
            described = ("SELECT column_name, data_type, comment FROM duckdb_columns() WHERE database_name = ? "
                         "AND schema_name = ? AND table_name = ? ORDER BY column_index")
            assert (con.execute(described, ["pub", "main", table]).fetchall()
                    == con.execute(described, ["warehouse", schema, table]).fetchall()), table
            tables = ("SELECT comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                      "AND table_name = ?")
            assert (con.execute(tables, ["pub", "main", table]).fetchone()
                    == con.execute(tables, ["warehouse", schema, table]).fetchone()), table


def test_a_person_who_materialises_one_dbt_asset_gets_its_tests(region):
    """A night leaves out the tests that read only what the project's files make; a person who asks for
    such an asset (the Dagster UI's materialise) gets its tests run all the same. Nothing is published, so
    the chart renderer a night starts during its build is not started."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from publish import charts

    dimension = next(k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[-1] == "dim_local_authority")
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("nightly_run").execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=[dimension])
    assert result.success
    assert _dbt_ran(region["home"]) == {"dim_local_authority", "unique_dim_local_authority_la_code"}
    assert not charts._RENDERER
