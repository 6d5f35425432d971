"""What the LA feedback pages and the regional report share: reading suppressed export tables back, showing
a suppressed cell as suppressed (never as zero), a self-contained page (no script, font or link that
reaches the network), and writing a file so a reader never sees half of it."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from publish.disclosure import SUPPRESSED, TOTAL

SHOWN_SUPPRESSED = "suppressed"
e = html.escape

STYLE = """body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2em;max-width:1200px}
body{color:#1b1b1b}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.n{text-align:right}td.s{color:#6b6b6b;font-style:italic}tr.rejected td{background:#fdecea}td.outcome{min-width:22em}
.note{color:#4a4a4a;font-size:.9em}details{margin:.5em 0 1.5em}summary{cursor:pointer}
section{margin-bottom:2.5em}h3{margin-bottom:.2em;font-size:1.15em}h2.group{border-bottom:2px solid #1f4e78}
figure{margin:0}"""


@dataclass(frozen=True)
class Value:
    """One cell of a suppressed export: a number, suppressed (`c`), or absent (not applicable)."""

    number: float | None
    suppressed: bool = False

    @classmethod
    def of(cls, text: object) -> Value:
        if text is None or (isinstance(text, float) and pd.isna(text)) or str(text).strip() == "":
            return cls(None)
        if str(text).strip() == SUPPRESSED:
            return cls(None, suppressed=True)
        return cls(float(text))

    @property
    def known(self) -> bool:
        return self.number is not None


def read_export(folder: Path, table: str) -> pd.DataFrame:
    """An export as shared: every cell text, `c` where suppressed, empty where not applicable."""
    path = folder / f"{table}.csv"
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def ratio(part: object, whole: object) -> Value:
    """part / whole from two export cells: suppressed if either is, absent when the whole is 0 or absent."""
    p, w = Value.of(part), Value.of(whole)
    if p.suppressed or w.suppressed:
        return Value(None, suppressed=True)
    if not p.known or not w.known or w.number == 0:
        return Value(None)
    return Value(p.number / w.number)


def show(value: Value | object, kind: str = "count") -> str:
    """A table cell's HTML: suppressed shown as such, absent as a dash, numbers by kind."""
    v = value if isinstance(value, Value) else Value.of(value)
    if v.suppressed:
        return f"<td class='s'>{SHOWN_SUPPRESSED}</td>"
    if not v.known:
        return "<td class='n'>-</td>"
    return f"<td class='n'>{e(fmt(v.number, kind))}</td>"


def fmt(number: float, kind: str) -> str:
    if kind == "share":
        return f"{number:.0%}"
    if kind == "money":
        return f"£{number:,.0f}"
    if kind == "index":
        return f"{number:.2f}"
    if kind == "days":
        return f"{number:.0f}"
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,.1f}"


def text(value: Value, kind: str) -> str:
    """A value inside a sentence."""
    if value.suppressed:
        return SHOWN_SUPPRESSED
    return fmt(value.number, kind) if value.known else "not available"


def region_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["la_code"] == TOTAL] if "la_code" in frame else frame.iloc[0:0]


def page(title: str, body: str) -> str:
    """A whole page: inline style only; nothing on it fetches anything."""
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
            f"img-src data:\"><title>{e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def write_atomically(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(content, encoding="utf-8")
    os.replace(temporary, path)
