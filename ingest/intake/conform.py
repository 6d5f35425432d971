"""Conform a read table into the canonical model: detect the version, map headers, parse values.

Categorical spellings are mapped to the canonical value; an unknown spelling is kept as written so
the expectation gate reports it as a value outside the list. Dates, numbers and yes/no answers that
cannot be parsed become blank plus a finding, so one bad cell never takes the file down.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

import pandas as pd

from ingest.intake.findings import Finding
from ingest.intake.readers import RawTable
from ingest.standard import identity
from ingest.standard.contract import Contract, VersionContract, VersionField, spelling_key

EXCEL_EPOCH = dt.date(1899, 12, 30)
HASHABLE_CELLS = {str, int, float, bool, dt.date, dt.datetime, type(None)}  # cells whose parse is cached
TRUE_WORDS = {"y", "yes", "true", "1", "t"}
FALSE_WORDS = {"n", "no", "false", "0", "f"}
NOT_APPLICABLE = {"na", "n/a", "notapplicable"}
LIST_SEPARATORS = re.compile(r"[;,|\n\r]+")
UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")


class FileRejected(Exception):
    """A file-level problem: the whole file is refused. `code` is a rule code of the catalogue."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Conformed:
    version: VersionContract
    layout: str | None
    frame: pd.DataFrame  # source_row + the contract's stored columns, one row per non-blank data row
    not_collected: list[str]
    findings: list[Finding] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)  # field -> Excel column letter or JSON property
    blank_rows: int = 0


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@cache
def header_scorer(contract: Contract):
    known = {spelling_key(h) for v in contract.versions for f in v.fields for h in f.headers}

    def score(cells: list[Any]) -> int:
        return sum(1 for c in cells if isinstance(c, str) and c and spelling_key(c) in known)

    return score


def detect_version(contract: Contract, headers: list[str], file_format: str = "csv") -> VersionContract:
    """The version whose headers the file uses most; exact spellings break ties (v2's 'Child ID'
    and the template's 'child_ID' share a match key)."""
    keys = {spelling_key(h) for h in headers if h}
    exact = {h.strip() for h in headers if h}

    def score(v: VersionContract) -> tuple[int, int]:
        return (sum(1 for k in keys if k in v.header_index), sum(1 for f in v.fields for h in f.headers if h in exact))

    candidates = [v for v in contract.versions if file_format in v.formats] or list(contract.versions)
    best = max(candidates, key=score)
    if not any(k in best.header_index for k in keys):
        raise FileRejected("F003", "The column headers do not match any version of the placements standard.")
    return best


def _layout(version: VersionContract, present: set[str]) -> str | None:
    """The layout whose dropped columns are all absent (June drops risk_to_others_other), else the first."""
    for name, spec in version.layouts.items():
        dropped = set(spec.without)
        if dropped and not dropped & present:
            return name
    return next(iter(version.layouts), None)


# --- value parsers: return (value, problem) where problem is a short reason or None


def _text(cell: Any) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


def parse_boolean(cell: Any) -> tuple[bool | None, str | None]:
    if isinstance(cell, bool):
        return cell, None
    text = _text(cell)
    if text is None:
        return None, None
    key = text.lower()
    if key in TRUE_WORDS:
        return True, None
    if key in FALSE_WORDS:
        return False, None
    return None, "not a Yes/No answer"


def parse_date(cell: Any) -> tuple[dt.date | None, str | None]:
    if isinstance(cell, dt.datetime):
        return cell.date(), None
    if isinstance(cell, dt.date):
        return cell, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return _excel_serial(cell)
    text = _text(cell)
    if text is None:
        return None, None
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _excel_serial(float(text))
    try:
        if m := ISO_DATE.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3])), None
        if m := UK_DATE.match(text):  # always day first: UK returns, never US order
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return dt.date(year, int(m[2]), int(m[1])), None
        for fmt in ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y"):
            try:
                return dt.datetime.strptime(text, fmt).date(), None
            except ValueError:
                continue
    except ValueError:
        pass
    return None, "not a date (use DD/MM/YYYY)"


def _excel_serial(number: float) -> tuple[dt.date | None, str | None]:
    if 20000 <= number <= 80000:  # 1954..2119: anything else is not a plausible Excel date
        return EXCEL_EPOCH + dt.timedelta(days=int(number)), None
    return None, "not a date (use DD/MM/YYYY)"


MAX_AMOUNT = Decimal("1000000000")  # far above any weekly fee; keeps DECIMAL(12,2) safe
MAX_COUNT = 1000


def parse_money(cell: Any) -> tuple[Decimal | None, str | None]:
    if isinstance(cell, bool):
        return None, "not an amount in pounds"
    if isinstance(cell, (int, float, Decimal)):
        text = str(cell)
    else:
        text = _text(cell)
        if text is None:
            return None, None
        text = text.replace("£", "").replace(",", "").replace(" ", "")
        if text.lower().startswith("gbp"):
            text = text[3:]
    try:
        amount = Decimal(text)
        if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
            return None, "not a plausible amount in pounds"
        return amount.quantize(Decimal("0.01"), ROUND_HALF_UP), None
    except InvalidOperation:
        return None, "not an amount in pounds"


def parse_integer(cell: Any) -> tuple[int | None, str | None]:
    value, problem = _integer(cell)
    if value is not None and abs(value) > MAX_COUNT:
        return None, "not a plausible count"
    return value, problem


def _integer(cell: Any) -> tuple[int | None, str | None]:
    if isinstance(cell, bool):
        return None, "not a whole number"
    if isinstance(cell, int):
        return cell, None
    if isinstance(cell, float):
        return (int(cell), None) if cell.is_integer() else (None, "not a whole number")
    text = _text(cell)
    if text is None:
        return None, None
    if spelling_key(text) in {spelling_key(x) for x in NOT_APPLICABLE} or text.lower() == "none":
        return 0, None  # the template asks for NA when there are no siblings
    try:
        number = float(text)
    except ValueError:
        return None, "not a whole number"
    if not number.is_integer():  # also inf and nan
        return None, "not a whole number"
    return int(number), None


def conform_table(contract: Contract, table: RawTable) -> Conformed:
    version = detect_version(contract, table.headers, table.format)
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        vf = version.field_for_header(header) if header else None
        if vf is not None and vf.name not in columns:
            columns[vf.name] = index
    layout = _layout(version, set(columns))
    if table.format == "json":
        # JSON records leave out properties they have no value for: every property of the version is
        # collected, and an absent one is blank (a per-record finding), never a missing column.
        for f in version.fields:
            if f.name not in columns:
                table.headers.append(f.headers[0])
                columns[f.name] = len(table.headers) - 1
    missing = [
        f
        for f in version.fields
        if f.required in {"yes", "with_placement"}
        and f.name not in columns
        and f.name not in (version.layouts[layout].without if layout else ())
    ]
    if missing:
        labels = ", ".join(f"'{f.label}'" for f in missing)
        raise FileRejected(
            "F004",
            f"Required columns are missing: {labels}. Keep every column of the {version.label}, even when empty.",
        )
    rows = table.rows
    if version.first_data_row - version.header_row > 1 and rows and _looks_like_descriptions(rows[0][1]):
        rows = rows[1:]  # the template's description row under the headers
    lookups = {f.name: contract.value_lookup(f) for f in version.fields if f.canonical.vocabulary}
    present = [version.get(name) for name in columns]
    findings: list[Finding] = []
    blank_rows = 0
    if table.format == "json":  # no columns in JSON: findings point at the property
        letters = {name: table.headers[i] for name, i in columns.items()}
    else:
        letters = {name: column_letter(i) for name, i in columns.items()}
    width = len(table.headers)
    kept: list[tuple[int, list[Any]]] = []
    for row_number, cells in rows:
        if all(_blank(cells[i]) if i < len(cells) else True for i in columns.values()):
            blank_rows += 1
            continue
        kept.append((row_number, list(cells) + [None] * (width - len(cells))))
    row_numbers = [n for n, _ in kept]
    data: dict[str, list[Any]] = {"source_row": row_numbers}
    for vf in present:  # column by column: each distinct cell value of a column is parsed once
        assert vf is not None
        index, lookup, cache = columns[vf.name], lookups.get(vf.name), {}
        parsed = []
        for row_number, cell in zip(row_numbers, [cells[index] for _, cells in kept], strict=True):
            key = (cell.__class__, cell) if cell.__class__ in HASHABLE_CELLS else None
            hit = cache.get(key) if key is not None else None
            if hit is None:
                hit = _parse(vf, cell, lookup)
                if key is not None:
                    cache[key] = hit
            value, problem = hit
            parsed.append(list(value) if value.__class__ is list else value)  # lists are per row, not shared
            if problem:
                findings.append(
                    Finding("R002", "error", f"{vf.label}: {problem}.", row=row_number,
                            column=letters[vf.name], field=vf.name, label=vf.label)
                )
        data[vf.name] = parsed
    collected = set(columns)
    blank = [None] * len(kept)
    for name in contract.field_names:
        data.setdefault(name, blank)
    _normalise_identities(data)
    frame = pd.DataFrame(data, columns=["source_row", *contract.field_names, *(c.name for c in contract.derived)],
                         dtype=object)  # as parsed: no inference per column
    frame["source_row"] = frame["source_row"].astype("int64")
    return Conformed(
        version=version,
        layout=layout,
        frame=frame,
        not_collected=[n for n in contract.field_names if n not in collected],
        findings=findings,
        locations=letters,
        blank_rows=blank_rows,
    )


def _normalise_identities(data: dict[str, list[Any]]) -> None:
    """Identifiers, outward code and URN in their one normalised form, and the columns derived from
    them (ingest/standard/identity.py): stored in raw, read alike by the gate, dbt and erasure."""
    for name in ("child_id", "placement_id"):
        data[name] = [identity.identifier(v) for v in data[name]]
    data["placement_location"] = [identity.outward_code(v) for v in data["placement_location"]]
    data["provider_urn"] = [identity.provider_urn(v) for v in data["provider_urn"]]
    data["provider_registration"] = [identity.provider_registration(v) for v in data["provider_urn"]]
    data["referral_identity"] = [
        identity.referral_identity(p, c, d)
        for p, c, d in zip(data["placement_id"], data["child_id"], data["referral_date"], strict=True)
    ]


def _looks_like_descriptions(cells: list[Any]) -> bool:
    texts = [c for c in cells if not _blank(c)]
    return bool(texts) and sum(isinstance(c, str) and len(c) > 25 for c in texts) > len(texts) / 2


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _parse(vf: VersionField, cell: Any, lookup: dict[str, str] | None) -> tuple[Any, str | None]:
    kind = vf.canonical.type
    if kind == "boolean":
        value, problem = parse_boolean(cell)
        if value is not None and vf.invert:
            value = not value
        return value, problem
    if kind == "date":
        return parse_date(cell)
    if kind == "money":
        return parse_money(cell)
    if kind == "integer":
        return parse_integer(cell)
    if isinstance(cell, list):  # JSON arrays: multi-valued fields, or free text given as a list
        items = [t for t in (_text(c) for c in cell) if t is not None]
        if kind == "category_list":
            return (sorted({(lookup or {}).get(spelling_key(p), p) for p in items}) or None), None
        cell = items[0] if kind == "category" and len(items) == 1 else "; ".join(items)
    text = _text(cell)
    if text is None:
        return None, None
    if kind == "category":
        return (lookup or {}).get(spelling_key(text), text), None
    if kind == "category_list":
        parts = [p.strip() for p in LIST_SEPARATORS.split(text) if p.strip()]
        return sorted({(lookup or {}).get(spelling_key(p), p) for p in parts}), None
    return text, None
