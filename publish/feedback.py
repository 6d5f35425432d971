"""Each LA's feedback folder, `feedback/<LA code>/` (PLACEMENTS_FEEDBACK_DIR moves it to a share the LAs
already read): the reports of every file the LA sent, and `index.html`, its return history beside its
headline figures and the region's.

Only that LA's data is ever written in its folder: the history is read for its code alone, the headline
figures are its own row and the region's total row of the suppressed exports (as shareable as the exports
themselves), and no other LA's name, code or file is named."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ingest.intake.landing import la_folder
from ingest.settings import Settings
from ingest.standard.reference import local_authorities
from publish.disclosure import TOTAL
from publish.pages import Value, e, page, ratio, read_export, show, write_atomically
from warehouse.storage.database import open_warehouse
from warehouse.storage.engines import warehouse_for

HISTORY_SQL = """
SELECT la_code, submission_id, received_at, file_name, standard_version, layout, status, rows_received,
       rows_accepted, rows_rejected, rows_with_warnings, required_completeness, reason, report_path
FROM raw.submissions ORDER BY la_code, received_at DESC, file_name DESC"""


@dataclass(frozen=True)
class Headline:
    label: str
    kind: str
    la: Value
    region: Value


def histories(settings: Settings) -> dict[str, list[tuple]]:
    """Every real LA's return history (an unknown folder is no LA), newest first, read in one query: a
    national hub has 150 LAs, and opening the warehouse once per LA cost seconds a night. Rows as named
    tuples, taken from the frame in one pass (a pass per LA's few rows cost 2.5 ms each)."""
    known = local_authorities()
    with open_warehouse(settings, read_only=True) as con:
        frame = con.execute(HISTORY_SQL).df()
    frame["days_after_quarter_end"] = None
    if settings.published.exists() and not frame.empty:
        with duckdb.connect(str(settings.published), read_only=True) as pub:
            days = dict(pub.execute("SELECT submission_id, days_after_quarter_end FROM mart_data_quality").fetchall())
        frame["days_after_quarter_end"] = frame["submission_id"].map(days)
    found: dict[str, list[tuple]] = {}
    for row in frame.itertuples(index=False, name="Submission"):
        if row.la_code in known:
            found.setdefault(row.la_code, []).append(row)
    return dict(sorted(found.items()))


def _latest(frame: pd.DataFrame, year_column: str) -> str | None:
    years = sorted(frame[year_column].unique()) if len(frame) else []
    return years[-1] if years else None


HEADLINE_EXPORTS = ("report_sufficiency_by_la_year", "mart_cost_index")


def headlines(shared: dict[str, pd.DataFrame]) -> tuple[str | None, dict[str, list[Headline]]]:
    """Each LA's figures beside the region's for the latest year, from the suppressed exports only
    (`shared`: those exports, read once for every LA): (that year, LA code -> its figures)."""
    sufficiency = shared["report_sufficiency_by_la_year"]
    year = _latest(sufficiency, "referral_year") if len(sufficiency) else None
    out: dict[str, list[Headline]] = {}
    if year is None:
        return year, out
    rows = sufficiency[sufficiency["referral_year"] == year].to_dict("records")
    own: dict[str, dict] = {}
    regions: dict[str, set[str]] = {}
    for r in rows:
        if r["la_code"] != TOTAL:
            own.setdefault(r["la_code"], r)
            regions.setdefault(r["la_code"], set()).add(r["region"])
    totals = [r for r in rows if r["la_code"] == TOTAL]
    for la_code, o in own.items():
        # the LA's own region's total row (a hub may hold LAs of more than one region)
        r = next((t for t in totals if t["region"] in regions[la_code]), None)
        if r is not None:
            out[la_code] = [
                Headline("Placed in their preferred placement type (share of children placed)", "share",
                         ratio(o["placed_in_preferred_type"], o["placed"]),
                         ratio(r["placed_in_preferred_type"], r["placed"])),
                Headline("Displaced from foster to residential care (share of children placed)", "share",
                         ratio(o["displaced_foster_to_residential"], o["placed"]),
                         ratio(r["displaced_foster_to_residential"], r["placed"]))]
    index = shared["mart_cost_index"]
    if len(index):
        priced: dict[str, dict] = {}
        for r in index[index["placement_year"] == year].to_dict("records"):
            priced.setdefault(r["la_code"], r)
        for la_code, r in priced.items():
            # the region's index is 1.00 by construction: its own prices for its own mix
            out.setdefault(la_code, []).append(Headline(
                f"Cost index for the same mix of placements ({r['placements_costed']} placements costed)",
                "index", Value.of(r["cost_index"]), Value(1.0)))
    return year, out


def _history_rows(history: list[tuple], reports: set[str]) -> str:
    rows = []
    for s in history:
        report = Path(s.report_path).name if s.report_path else ""
        link = f"<a href='{e(report)}'>report</a>" if report and report in reports else "-"
        outcome = "accepted" if s.status == "accepted" else f"not accepted: {s.reason}"
        version = f"{s.standard_version or 'not recognised'}{f' ({s.layout})' if s.layout else ''}"
        rows.append(
            f"<tr class='{e(s.status)}'><td>{s.received_at:%Y-%m-%d %H:%M}</td><td>{e(s.file_name)}</td>"
            f"<td>{e(version)}</td><td class='outcome'>{e(outcome)}</td>"
            + "".join(show(Value.of(v)) for v in (s.rows_received, s.rows_accepted, s.rows_rejected,
                                                    s.rows_with_warnings))
            + show(Value.of(s.required_completeness), "share") + show(Value.of(s.days_after_quarter_end), "days")
            + f"<td>{link}</td></tr>")
    return "".join(rows)


def render_index(la_code: str, la_name: str, history: list[tuple], year: str | None, figures: list[Headline],
                 reports: set[str], generated: dt.datetime) -> str:
    """`history`: the LA's returns, newest first (histories); `reports`: the names of the reports in its folder."""
    title = f"Placements returns: {la_name} ({la_code})"
    accepted = sum(1 for s in history if s.status == "accepted")
    if accepted == 0:
        state = ("<p><strong>None of your files has been accepted yet.</strong> The reason is beside each file "
                 "below, and its report says what to fix row by row.</p>")
    else:
        state = f"<p>{accepted} of your {len(history)} files have been accepted.</p>"
    if figures:
        cells = "".join(f"<tr><th>{e(h.label)}</th>{show(h.la, h.kind)}{show(h.region, h.kind)}</tr>" for h in figures)
        headline = (f"<h2>Your figures beside the region's, referrals of {e(str(year))}</h2>"
                    f"<table><tr><th></th><th>{e(la_name)}</th><th>Region</th></tr>{cells}</table>"
                    "<p class='note'>From the region's shared (suppressed) tables: a figure built on 1 to 5 children, "
                    "or one that would let such a count be worked out, shows as suppressed. A cost index of 1.20 "
                    "means 20% above the region's prices for the same types and need bands.</p>")
    else:
        headline = "<p class='note'>No figures yet: they appear once your accepted returns are in a published run.</p>"
    history_table = (
        "<table><tr><th>Received</th><th>File</th><th>Version</th><th>Outcome</th><th>Rows received</th>"
        "<th>Accepted</th><th>Refused</th><th>With warnings</th><th>Required fields complete</th>"
        f"<th>Days after quarter end</th><th>Report</th></tr>{_history_rows(history, reports)}</table>")
    body = (f"<h1>{e(title)}</h1><p class='note'>Updated {generated:%Y-%m-%d %H:%M} UTC.</p>{state}{headline}"
            f"<h2>Your returns, newest first</h2>{history_table}"
            "<p class='note'>Days after quarter end: from the end of the quarter of the latest referral in the file. "
            "Required fields complete: share of the cells your version of the standard requires in every row that "
            "hold a value, counted over every row received.</p>")
    return page(title, body)


def _copy_reports(source: Path, target: Path) -> set[str]:
    """The LA's reports, as written for each of its files (unchanged ones are not copied again); returns
    the names of the reports now in `target`."""
    present = {entry.name: entry.stat() for entry in os.scandir(target) if entry.is_file()}
    for entry in sorted(os.scandir(source), key=lambda d: d.name) if source.is_dir() else []:
        if entry.name.endswith((".html", ".csv")) and entry.is_file():
            have, stat = present.get(entry.name), entry.stat()
            if have is None or have.st_size != stat.st_size or have.st_mtime < stat.st_mtime:
                shutil.copy2(entry.path, target / entry.name)
                present[entry.name] = stat
    return set(present)


def write_feedback(settings: Settings, exports: Path) -> dict[str, Path]:
    """Write every submitting LA's folder; returns LA code -> its index.html."""
    if not warehouse_for(settings).exists():
        return {}
    names = local_authorities()
    generated = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    year, figures = headlines({table: read_export(exports, table) for table in HEADLINE_EXPORTS})
    written = {}
    for la_code, history in histories(settings).items():
        folder = settings.feedback / la_folder(la_code)
        folder.mkdir(parents=True, exist_ok=True)
        reports = _copy_reports(settings.reports / la_folder(la_code), folder)
        index = folder / "index.html"
        write_atomically(index, render_index(la_code, names[la_code]["la_name"], history, year,
                                             figures.get(la_code, []), reports, generated))
        written[la_code] = index
    return written
