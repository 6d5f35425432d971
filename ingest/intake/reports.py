"""Feedback reports for LAs: HTML for people, CSV for machines. Findings point at row and column and
never repeat a cell's value."""

from __future__ import annotations

import csv
import html
from collections import Counter
from pathlib import Path

from ingest.intake.findings import Finding
from ingest.intake.gate import Assessment
from ingest.intake.landing import safe_name
from ingest.standard.contract import load_contract

CSV_COLUMNS = ["rule_code", "severity", "row", "column", "field_label", "message", "fix_hint"]


def report_stem(assessment: Assessment) -> str:
    return f"{safe_name(Path(assessment.file_name).stem)}.{assessment.sha256[:8]}"


def accepted_values(version: str | None, field: str | None) -> list[str]:
    """A field's accepted values spelt as the LA's own format spells them: the template's dropdown, the
    v2 options, the ontology's labels (the version's own spelling of a value first, else the canonical one)."""
    contract = load_contract()
    try:
        vf = contract.version(version or "").get(field or "")
    except KeyError:
        return []
    if vf is None or not vf.canonical.vocabulary:
        return []
    return [(vf.spellings.get(v) or (v,))[0] for v in contract.canonical_values(vf.canonical.vocabulary)]


def fix_hint(a: Assessment, f: Finding) -> str:
    """The rule's hint; for a value not in the list, the list itself (never the value sent)."""
    if f.code == "R003":
        values = accepted_values(a.version, f.field)
        if values:
            return f"Use one of: {'; '.join(values)}."
    return f.rule.hint


def fix_first(a: Assessment) -> str:
    """What to fix first: the rule that stops the most rows (ties: the lowest code)."""
    rows: dict[str, set[int]] = {}
    for f in a.findings:
        if f.row is not None and f.severity == "error":
            rows.setdefault(f.code, set()).add(f.row)
    if not rows:
        return ""
    counts = Counter({code: len(r) for code, r in rows.items()})
    code, n = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0]
    rule = load_contract().rule(code)
    first = [f for f in a.findings if f.code == code and f.row is not None]
    columns = Counter(f.label or f.field or "" for f in first)
    where = ", ".join(f"{label} ({k} row(s))" for label, k in columns.most_common(3))
    others = sum(counts.values()) - n
    rest = f" Then {len(counts) - 1} other rule(s) on {others} row finding(s), listed below." if others else ""
    return f"Fix first: {rule.title} ({code}), on {n} row(s): {where}. {fix_hint(a, first[0])}{rest}"


def write_report(assessment: Assessment, folder: Path) -> Path:
    """Write `<stem>.csv` and `<stem>.html` into `folder`; returns the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = report_stem(assessment)
    with (folder / f"{stem}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for x in assessment.findings:
            writer.writerow([x.code, x.severity, x.row or "", x.column or "", x.label or "", x.message,
                             fix_hint(assessment, x)])
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
        f"<td>{e(x.column or '')}</td><td>{e(x.label or '')}</td><td>{e(x.message)}</td><td>{e(fix_hint(a, x))}</td></tr>"
        for x in a.findings
    )
    verdict = {
        "accepted": "Your file was accepted.",
        "duplicate": "This file's content was already received from your LA: nothing was loaded twice.",
    }.get(a.status, "Your file was not accepted. Nothing from it was loaded.")
    first = fix_first(a)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Placements return feedback: {e(a.file_name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.error td{{background:#fdecea}}tr.warning td{{background:#fff8e1}}</style></head><body>
<h1>Placements return feedback</h1><p><strong>{e(verdict)}</strong> {e(a.reason)}</p>
{f"<p class='first'><strong>{e(first)}</strong></p>" if first else ""}<table>{summary}</table>
<h2>Findings ({len(a.findings)})</h2>
<p>Row numbers and column letters are as in your file. Errors stop the row (or the file); warnings load with a flag.</p>
<table><tr><th>Rule</th><th>Severity</th><th>Row</th><th>Column</th><th>Field</th><th>What is wrong</th><th>How to fix it</th></tr>{rows}</table>
</body></html>"""
