"""The regional report from suppressed exports: nothing yet on the first night, a suppressed cell shown as
suppressed and never as zero, no script and nothing fetched."""

import datetime as dt
import re

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import pytest

from publish.derived import DERIVED, derived_tables
from publish.exports import export_tables
from publish.report import render_report

WHEN = dt.datetime(2026, 12, 2, 3, 0)
COUNTS = ["referrals", "placed", "not_yet_placed", "placed_in_preferred_type", "displaced_foster_to_residential"]


def _exports(tmp_path, sufficiency: pd.DataFrame):
    """Real path: a mart in an analyst-like file, the derived tables from it, suppressed and written."""
    with duckdb.connect() as con:
        con.register("frame", sufficiency)
        con.execute("CREATE TABLE mart_sufficiency AS SELECT * FROM frame")
        tables = derived_tables(con, {"mart_sufficiency"})
    folder = tmp_path / "exports"
    folder.mkdir()
    export_tables(tables, folder, threshold=5)
    return folder


def _sufficiency(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["la_code", "la_name", "referral_quarter", *COUNTS])
    return frame.assign(region="North East").astype({c: "string" for c in ("la_code", "la_name", "referral_quarter")}
                                                    | {c: "int32" for c in COUNTS})


def test_first_night_says_there_is_nothing_yet(tmp_path):
    empty = _exports(tmp_path, _sufficiency([]))
    assert (empty / "report_sufficiency_by_la_year.csv").exists()
    for folder in (empty, tmp_path / "never-published"):
        page = render_report(folder, 5, WHEN)
        assert "There is nothing to report yet" in page and "<svg" not in page


def test_a_suppressed_cell_is_shown_as_suppressed_never_zero(tmp_path):
    folder = _exports(tmp_path, _sufficiency([
        ("840", "County Durham", "2025-Q1", 30, 24, 6, 18, 0),
        ("391", "Newcastle upon Tyne", "2025-Q1", 4, 3, 1, 2, 0),  # small: suppressed, and one more by secondary
        ("929", "Northumberland", "2025-Q1", 40, 33, 7, 30, 0),
    ]))
    shared = pd.read_csv(folder / "report_sufficiency_by_la_year.csv", dtype=str).set_index("la_code")
    assert shared.loc["391", "placed"] == "c"
    page = render_report(folder, 5, WHEN)
    newcastle = re.search(r"<tr><td>Newcastle upon Tyne</td>(.*?)</tr>", page).group(1)
    assert newcastle.count("suppressed") == 3 and ">0<" not in newcastle and "0%" not in newcastle
    for _, row in shared.drop(index="All").iterrows():  # the table behind the chart is the export
        cells = re.search(rf"<tr><td>{row['la_name']}</td>(.*?)</tr>", page).group(1)
        shown = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", cells)]
        assert shown[:2] == [v if v != "c" else "suppressed" for v in (row["placed"], row["placed_in_preferred_type"])]
    assert "Nothing yet for like-for-like cost" in page  # no cost tables exported in this test
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/", "")
    assert "https://" not in page


def test_every_derived_table_is_exported_with_a_suppression_spec():
    assert {spec.table for spec in DERIVED} == {
        "report_sufficiency_by_la_quarter", "report_sufficiency_by_la_year", "report_median_cost_by_type_band",
        "report_cost_drivers_region", "report_data_quality_by_la_quarter"}


def _random_sufficiency(seed: int) -> pd.DataFrame:
    """A mart_sufficiency-like frame: LAs x quarters x preferred type x urgency, many small cells."""
    rng = np.random.default_rng(seed)
    rows = []
    for la, name in (("840", "County Durham"), ("391", "Newcastle upon Tyne"), ("929", "Northumberland")):
        for quarter in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"):
            for ptype in ("Foster", "Residential"):
                for needed in ("Today", "Within 5 days", "More than 5 days"):
                    placed, waiting = int(rng.integers(0, 12)), int(rng.integers(0, 4))
                    preferred = int(rng.integers(0, placed + 1))
                    rows.append({"region": "North East", "la_code": la, "la_name": name, "referral_quarter": quarter,
                                 "preferred_placement_type": ptype, "needed_by": needed,
                                 "referrals": placed + waiting, "placed": placed, "not_yet_placed": waiting,
                                 "placed_in_preferred_type": preferred, "placed_in_suitable_not_preferred_type": 0,
                                 "placed_in_unsuitable_type": 0, "placed_suitability_not_specified": placed - preferred,
                                 "displaced_foster_to_residential": int(rng.integers(0, 2)),
                                 "placed_with_location_answer": placed, "placed_with_education_answer": placed,
                                 "placed_sibling_groups": 0, "sibling_groups_split": 0,
                                 "share_location_preferred": 0.5, "share_education_continuity": 0.5})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_shown_total_gives_away_a_cell_hidden_in_a_finer_shared_table(tmp_path, seed):
    """A yearly or quarterly LA figure shown beside finer shared cells of which exactly one is hidden would
    give that one away (the total less the others): such a figure is hidden too."""
    frame = _random_sufficiency(seed)
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE mart_sufficiency AS SELECT * FROM frame")
        tables = {"mart_sufficiency": frame, **derived_tables(con, {"mart_sufficiency"})}
    export_tables(tables, tmp_path, threshold=5)
    fine = pd.read_csv(tmp_path / "mart_sufficiency.csv", dtype=str)
    quarter = pd.read_csv(tmp_path / "report_sufficiency_by_la_quarter.csv", dtype=str)
    year = pd.read_csv(tmp_path / "report_sufficiency_by_la_year.csv", dtype=str)
    pairs = [(quarter, fine, ["la_code", "referral_quarter"]),
             (year, quarter.assign(referral_year=quarter["referral_quarter"].str[:4]), ["la_code", "referral_year"])]
    checked = 0
    for coarse, finer, keys in pairs:
        for column in ("referrals", "placed", "not_yet_placed", "placed_in_preferred_type"):
            hidden = (finer[column] == "c").groupby([finer[k] for k in keys]).sum()
            for row in coarse.itertuples():
                if getattr(row, column) != "c":
                    assert hidden.get(tuple(getattr(row, k) for k in keys), 0) != 1, (row, column)
                    checked += 1
    assert checked > 50 and (quarter == "c").any().any()


def test_a_heat_map_prints_its_values_for_a_region_and_colours_only_for_the_nation():
    from publish.charts import heat_map

    def frame(las: int) -> pd.DataFrame:
        return pd.DataFrame({"la_name": np.repeat([f"LA {i}" for i in range(las)], 20),
                             "quarter": np.tile([f"Q{q:02d}" for q in range(20)], las), "days": 40.0})

    regional, national = heat_map(frame(12), "days", "Days", ".0f", "blues"), heat_map(frame(153), "days", "Days",
                                                                                        ".0f", "blues")
    rect, text = 'aria-roledescription="rect mark"', 'aria-roledescription="text mark"'
    assert regional.count(rect) == regional.count(text) == 12 * 20  # every cell coloured, its value printed
    assert national.count(rect) == 153 * 20 and national.count(text) == 0


def test_charts_drawn_aside_are_the_charts_drawn_here_also_when_a_renderer_dies(monkeypatch):
    """The report's charts are drawn by renderer processes, shared between them, into the page in place of
    their placeholders; a renderer that ends mid-report leaves its charts to this process, and a chart
    vl-convert cannot draw is an error, not a blank."""
    import os
    import signal
    import threading

    from publish import charts
    from publish.renderer import Renderer

    frames = [pd.DataFrame({"la_name": ["A", "B"], "quarter": ["Q1", "Q2"], "days": [float(i), 2.0]})
              for i in range(6)]
    here = [charts.heat_map(f, "days", "Days", ".0f", "blues") for f in frames]
    monkeypatch.setattr(charts, "RENDERERS", 2)  # shared between two, one of which is killed
    charts.start_renderer()
    try:
        assert len(charts._RENDERER) == 2
        for renderer in charts._RENDERER:
            renderer.warmed.result(timeout=60)
        os.kill(charts._RENDERER[-1].pid, signal.SIGKILL)
        with charts.charts_aside() as fill:
            page = "".join(f"<div>{charts.heat_map(f, 'days', 'Days', '.0f', 'blues')}</div>" for f in frames)
            assert "<svg" not in page  # placeholders, drawn elsewhere
            page = fill(page)
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)) == len(frames)  # a legend's gradient each, none shared
        assert set(re.findall(r'url\(#([^)]+)\)', page)) == set(ids)

        def without_ids(html: str) -> str:
            return re.sub(r'(\sid="|url\(#)[^")]+', r"\1", html)

        assert without_ids(page) == without_ids("".join(f"<div>{s}</div>" for s in here))
        # a burst of big charts (a national heat map: requests and drawings far beyond a pipe's buffer)
        # while nobody waits for them: the renderer's replies are read as they come, nothing blocks
        national = pd.DataFrame({"la_name": np.repeat([f"LA {i}" for i in range(153)], 20),
                                 "quarter": np.tile([f"Q{q:02d}" for q in range(20)], 153), "days": 40.0})
        spec = alt.Chart(national).mark_rect().encode(x="quarter:O", y="la_name:N", color="days:Q").to_dict()
        fresh = Renderer()  # still loading: its warm-up's reply comes while the burst is being written
        burst: list = []
        writing = threading.Thread(target=lambda: burst.extend(fresh.submit(spec) for _ in range(8)), daemon=True)
        writing.start()
        writing.join(timeout=120)
        assert not writing.is_alive(), "handing charts to the renderer blocked"
        assert len({without_ids(d.result(timeout=120)) for d in burst}) == 1
        fresh.close()
        with pytest.raises(ValueError, match="could not be drawn"):
            charts._RENDERER[0].submit({"mark": "no-such-mark"}).result(timeout=60)
    finally:
        charts.stop_renderer()
