"""Feedback reports for LAs: HTML for people, CSV for machines. Findings point at row and column and
never repeat a cell's value."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from ingest.intake.gate import Assessment
from ingest.intake.landing import safe_name

CSV_COLUMNS = ["rule_code", "severity", "row", "column", "field_label", "message", "fix_hint"]


def report_stem(assessment: Assessment) -> str:
    return f"{safe_name(Path(assessment.file_name).stem)}.{assessment.sha256[:8]}"


def write_report(assessment: Assessment, folder: Path) -> Path:
    """Write `<stem>.csv` and `<stem>.html` into `folder`; returns the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = report_stem(assessment)
    with (folder / f"{stem}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for x in assessment.findings:
            writer.writerow([x.code, x.severity, x.row or "", x.column or "", x.label or "", x.message, x.rule.hint])
    html_path = folder / f"{stem}.html"
    html_path.write_text(render_html(assessment), encoding="utf-8")
    return html_path


def summary_lines(a: Assessment) -> list[tuple[str, str]]:
    return [
        ("File", a.file_name),
        ("Local authority", a.la_code),
        ("Outcome", a.status.upper()),
        ("Version of the standard", f"{a.version or 'not recognised'}{f' ({a.layout} layout)' if a.layout else ''}"),
        ("Rows received", str(a.rows_received)),
        ("Rows accepted", str(a.rows_accepted)),
        ("Rows rejected", str(a.rows_rejected)),
        ("Rows accepted with warnings", str(a.rows_with_warnings)),
        *([("Rows not loaded: erased on request", str(a.rows_erased))] if a.rows_erased else []),
    ]


def render_html(a: Assessment) -> str:
    e = html.escape
    summary = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in summary_lines(a))
    rows = "".join(
        f"<tr class='{e(x.severity)}'><td>{e(x.code)}</td><td>{e(x.severity)}</td><td>{x.row or ''}</td>"
        f"<td>{e(x.column or '')}</td><td>{e(x.label or '')}</td><td>{e(x.message)}</td><td>{e(x.rule.hint)}</td></tr>"
        for x in a.findings
    )
    verdict = {
        "accepted": "Your file was accepted.",
        "duplicate": "This file's content was already received from your LA: nothing was loaded twice.",
    }.get(a.status, "Your file was not accepted. Nothing from it was loaded.")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Placements return feedback: {e(a.file_name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.error td{{background:#fdecea}}tr.warning td{{background:#fff8e1}}</style></head><body>
<h1>Placements return feedback</h1><p><strong>{e(verdict)}</strong> {e(a.reason)}</p>
<table>{summary}</table>
<h2>Findings ({len(a.findings)})</h2>
<p>Row numbers and column letters are as in your file. Errors stop the row (or the file); warnings load with a flag.</p>
<table><tr><th>Rule</th><th>Severity</th><th>Row</th><th>Column</th><th>Field</th><th>What is wrong</th><th>How to fix it</th></tr>{rows}</table>
</body></html>"""
