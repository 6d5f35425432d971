"""Results reach the people who act on them: each LA's feedback folder and the regional report, after a
real run on a small region of several LAs (and one LA whose only file was refused)."""

import datetime as dt
import re
import shutil

import pandas as pd
import pytest

from ingest.standard.reference import local_authorities
from synthetic.generator import generate_region
from tests.helpers import run_nightly, use_data_root

pytestmark = pytest.mark.e2e
LAS = ("840", "391", "929")  # the North East in the June template, v2 CSV, the April template
ONLY_REFUSED = "390"  # sends one unreadable file, nothing else


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    home, share = root / "data", root / "share"
    with pytest.MonkeyPatch.context() as mp:
        use_data_root(mp, home)
        mp.setenv("PLACEMENTS_FEEDBACK_DIR", str(share))  # the share LAs already read, outside the data root
        generated = generate_region(home / "landing", seed=11, las=LAS, first_year=2024, quarters=4,
                                    referrals_per_quarter=12, today=dt.date(2026, 1, 1))
        (home / "landing" / ONLY_REFUSED).mkdir()
        shutil.copy(generated.unreadable[0], home / "landing" / ONLY_REFUSED / "q4_return.xlsx")
        files = {la: sorted(p.name for p in (home / "landing" / la).iterdir()) for la in (*LAS, ONLY_REFUSED)}
        result = run_nightly()
        assert result.success
        yield {"home": home, "share": share, "files": files, "generated": generated}


def _texts(folder):
    return {p: p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def test_every_submitting_la_has_its_folder_with_its_reports_and_history(region):
    share = region["share"]
    assert sorted(p.name for p in share.iterdir()) == sorted((*LAS, ONLY_REFUSED))
    for la in (*LAS, ONLY_REFUSED):
        folder = share / la
        index = (folder / "index.html").read_text(encoding="utf-8")
        for name in region["files"][la]:
            assert name in index, f"{la}: {name} missing from its history"
        reports = sorted(p.name for p in folder.glob("*.html") if p.name != "index.html")
        assert len(reports) == len(region["files"][la]) == len(list(folder.glob("*.csv")))
        for report in reports:  # every report is linked from the history
            assert f"href='{report}'" in index


def test_no_other_las_name_code_file_or_figures_in_an_las_folder(region):
    names = local_authorities()
    files = region["files"]
    for la in (*LAS, ONLY_REFUSED):
        others = [o for o in (*LAS, ONLY_REFUSED) if o != la]
        forbidden = [names[o]["la_name"] for o in others]
        forbidden += [re.sub(r"\.\w+$", "", f) for o in others for f in files[o] if f != "q4_return.xlsx"]
        for path, text in _texts(region["share"] / la).items():
            found = [f for f in forbidden if f in text]
            assert not found, f"{path} names another LA: {found[:3]}"
            for other in others:  # codes as they would be written: a folder, a file name, a label
                assert not re.search(rf"(?<![\d£,.]){other}(?![\d,.%])", re.sub(r"<[^>]+>", " ", text)), \
                    f"{path} holds another LA's code {other}"
        index = (region["share"] / la / "index.html").read_text(encoding="utf-8")
        assert names[la]["la_name"] in index


def test_an_la_with_only_refused_files_sees_why(region):
    index = (region["share"] / ONLY_REFUSED / "index.html").read_text(encoding="utf-8")
    assert "None of your files has been accepted yet" in index
    assert "could not be opened as an Excel workbook" in index
    assert "q4_return.xlsx" in index


def _cells(index: str, label_start: str) -> list[str]:
    row = re.search(rf"<tr><th>{re.escape(label_start)}[^<]*</th>(.*?)</tr>", index)
    assert row, f"no row {label_start!r}"
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", row.group(1))]


def _expected_headlines(exports, la):
    sufficiency = pd.read_csv(exports / "report_sufficiency_by_la_year.csv", dtype=str)
    year = max(sufficiency["referral_year"])
    latest = sufficiency[sufficiency["referral_year"] == year].set_index("la_code")
    expected = {}
    for label, column in (("Placed in their preferred", "placed_in_preferred_type"),
                          ("Displaced from foster", "displaced_foster_to_residential")):
        cells = []
        for who in (la, "All"):
            part, whole = latest.loc[who, column], latest.loc[who, "placed"]
            cells.append("suppressed" if "c" in (part, whole) else f"{int(part) / int(whole):.0%}")
        expected[label] = cells
    index = pd.read_csv(exports / "mart_cost_index.csv", dtype=str)
    own = index[(index["la_code"] == la) & (index["placement_year"] == year)].iloc[0]
    expected["Cost index"] = ["suppressed" if own["cost_index"] == "c" else f"{float(own['cost_index']):.2f}", "1.00"]
    return expected


def test_headline_figures_equal_the_suppressed_exports(region):
    exports = region["home"] / "published" / "exports"
    for la in LAS:
        index = (region["share"] / la / "index.html").read_text(encoding="utf-8")
        for label, cells in _expected_headlines(exports, la).items():
            assert _cells(index, label) == cells, f"{la} {label}"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from tests.e2e.cdp import Chromium

    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


TABLES = """Array.from(document.querySelectorAll('details table')).map(t => Array.from(t.rows).map(
    r => Array.from(r.cells).map(c => c.textContent)))"""


def _only_the_page_itself(visit, url):
    assert visit.errors == [], visit.errors
    assert visit.requests == [url], f"the page asked for more than itself: {visit.requests}"


def _count(text):
    return "suppressed" if text == "c" else f"{int(text):,}"


def test_report_in_chromium_shows_the_export_tables_and_fetches_nothing(region, browser, tmp_path_factory):
    exports = region["home"] / "published" / "exports"
    url = (region["home"] / "published" / "report" / "index.html").as_uri()
    shot = tmp_path_factory.mktemp("screens") / "report.png"
    _only_the_page_itself(browser.visit(url, shot), url)
    assert shot.stat().st_size > 50_000
    figures = browser.evaluate("""Array.from(document.querySelectorAll('figure')).map(
        f => f.querySelectorAll('svg').length > 0 || f.textContent.startsWith('Nothing to draw'))""")
    assert len(figures) == 8 and all(figures)  # each chart drawn, or said to be all suppressed
    assert browser.evaluate("document.querySelectorAll('figure svg').length") >= 6
    assert browser.evaluate("document.scripts.length") == 0
    preferred, _, _, cost, *_ = browser.evaluate(TABLES)
    sufficiency = pd.read_csv(exports / "report_sufficiency_by_la_year.csv", dtype=str)
    latest = sufficiency[sufficiency["referral_year"] == max(sufficiency["referral_year"])]
    assert [r[:3] for r in preferred[1:]] == [
        [r.la_name if r.la_code != "All" else "Region", _count(r.placed), _count(r.placed_in_preferred_type)]
        for r in latest.itertuples()]
    index = pd.read_csv(exports / "mart_cost_index.csv", dtype=str)
    latest = index[index["placement_year"] == max(index["placement_year"])]
    assert [[r[0], r[1], r[4]] for r in cost[1:]] == [
        [r.la_name, _count(r.placements_costed), "suppressed" if r.cost_index == "c" else f"{float(r.cost_index):.2f}"]
        for r in latest.itertuples()]
    shown = latest[latest["cost_index"] != "c"]
    top = shown.loc[shown["cost_index"].astype(float).idxmax()]
    titles = browser.evaluate("Array.from(document.querySelectorAll('h3')).map(h => h.textContent)")
    assert any(top["la_name"] in t and f"cost index {float(top['cost_index']):.2f}" in t for t in titles), titles


def test_an_las_page_in_chromium_shows_its_figures_and_fetches_nothing(region, browser, tmp_path_factory):
    la = LAS[0]
    url = (region["share"] / la / "index.html").as_uri()
    shot = tmp_path_factory.mktemp("screens") / f"feedback-{la}.png"
    _only_the_page_itself(browser.visit(url, shot), url)
    assert shot.stat().st_size > 20_000
    rows = browser.evaluate("""Array.from(document.querySelector('table').rows).slice(1).map(
        r => [r.cells[0].textContent, r.cells[1].textContent, r.cells[2].textContent])""")
    expected = _expected_headlines(region["home"] / "published" / "exports", la)
    for label, la_cell, region_cell in rows:
        key = next(k for k in expected if label.startswith(k))
        assert [la_cell, region_cell] == expected[key], label
    history = browser.evaluate("Array.from(document.querySelectorAll('table')[1].rows).slice(1).map("
                               "r => r.cells[1].textContent)")
    assert sorted(history) == region["files"][la]
