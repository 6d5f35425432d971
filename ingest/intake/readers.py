"""Read a submitted file into header cells and numbered data rows, whatever its format.

Readers know formats, not the standard: they return the cells as found, with the row numbers the LA
sees in their own file (Excel row, or CSV line), and leave meaning to `conform`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.intake.bounds import OverLimit, RowBudget, check_json_depth, check_sheet_extents, check_workbook_archive
from ingest.settings import Limits


class UnreadableFile(Exception):
    """The file cannot be read as any supported format; the message is for a placement officer."""


class NoStandardHeaders(UnreadableFile):
    """The file reads, but no row looks like the headers of any version of the standard."""


@dataclass
class RawTable:
    format: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the LA sees it, cells in header order)
    header_row: int = 1
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


DEFAULT_LIMITS = Limits()
SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json", ".jsonld": "json"}
JSONLD_KEYWORDS = {"@context", "@id", "@type"}
# A JSON-LD value given as a compact IRI ("st:TaxisToSchool") or a full IRI ("...support-type#TaxisToSchool").
_IRI = re.compile(r"^(?:[a-z][a-z0-9]*:(?!//)|https?://[^#]*#)([A-Za-z][A-Za-z0-9]*)$")


def read_file(path: Path, header_score: Callable[[list[Any]], int], preferred_sheets: tuple[str, ...] = (),
              limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Read CSV, xlsx or JSON. `header_score` counts how many cells of a row are headers of the standard;
    it picks the sheet and the header row in workbooks and the header line in CSV files. A sheet named in
    `preferred_sheets` wins a tie between sheets. Work is bounded by `limits` (OverLimit otherwise)."""
    kind = file_kind(path.name)
    with path.open("rb") as f:  # never more than the limit, whatever the file system says of its size
        data = f.read(limits.max_file_bytes + 1)
    return read_data(data, kind, header_score, preferred_sheets, limits)


def file_kind(name: str) -> str:
    kind = SUFFIXES.get(Path(name).suffix.lower())
    if kind is None:
        raise UnreadableFile(
            f"Files ending {Path(name).suffix or '(no extension)'} are not accepted: send the Excel template "
            "(.xlsx), CSV or JSON-LD (.json, .jsonld)."
        )
    return kind


def read_data(data: bytes, kind: str, header_score: Callable[[list[Any]], int], preferred_sheets: tuple[str, ...] = (),
              limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Read the bytes of a file of `kind` (csv, xlsx, json), as read_file does."""
    if len(data) > limits.max_file_bytes:
        raise OverLimit(f"The file is larger than the {limits.max_file_bytes // (1024 * 1024)} MB limit: "
                        "split the return into quarterly files.")
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    if kind == "xlsx":
        return read_xlsx(data, header_score, preferred_sheets, limits)
    if kind == "json":
        return read_jsonld(data, limits)
    return read_csv(data, header_score, limits)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _best_header_row(rows: list[list[Any]], header_score: Callable[[list[Any]], int]) -> tuple[int, int]:
    """(index, score) of the likeliest header row among the first rows."""
    scored = [(header_score(r), -i) for i, r in enumerate(rows[:10])]
    if not scored:
        return 0, 0
    score, neg_index = max(scored)
    return -neg_index, score


def _strip_trailing(cells: list[Any]) -> list[Any]:
    end = len(cells)
    while end and _blank(cells[end - 1]):
        end -= 1
    return cells[:end]


def _table(fmt: str, grid: list[tuple[int, list[Any]]], header_score, sheet=None) -> RawTable:
    head_index, score = _best_header_row([cells for _, cells in grid], header_score)
    if score == 0:
        raise NoStandardHeaders(
            "No header row of the placements standard was found in the first 10 rows. "
            "Use the column headers of the national template or of the v2 specification."
        )
    header_line, header_cells = grid[head_index]
    headers = [("" if _blank(h) else str(h).strip()) for h in _strip_trailing(list(header_cells))]
    width = len(headers)
    rows = []
    for line, cells in grid[head_index + 1 :]:
        cells = list(cells[:width]) + [None] * (width - len(cells))
        rows.append((line, cells))
    return RawTable(format=fmt, headers=headers, rows=rows, header_row=header_line, sheet=sheet)


def read_xlsx(
    data: bytes, header_score: Callable[[list[Any]], int], preferred_sheets: tuple[str, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> RawTable:
    """Read with calamine (Rust): the values Excel stored, so a formula cell reads as the value Excel
    last computed, never evaluated; links to other workbooks are not followed; XML entities are not
    expanded. Rows are numbered from row 1 and columns from A, as the LA sees them. The zip directory and
    the sheets' cell references are checked first (bounds.py): calamine holds a sheet's used area in
    memory, so a crafted far-away cell must be refused before it is read."""
    from python_calamine import CalamineWorkbook

    check_workbook_archive(data, limits)
    check_sheet_extents(data, limits)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for damaged or non-zip files
        raise UnreadableFile(
            "The file could not be opened as an Excel workbook (.xlsx). It may be damaged, password-protected "
            "or another format renamed: save it again from Excel as .xlsx."
        ) from exc
    preferred = {s.strip().lower() for s in preferred_sheets}
    best: tuple[int, str, list[tuple[int, list[Any]]]] | None = None
    try:
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            budget = RowBudget(limits)
            grid = []
            for row_number, row in enumerate(rows, start=1):
                cells = _strip_trailing(row)
                budget.take(len(cells))
                grid.append((row_number, cells))
            _, score = _best_header_row([c for _, c in grid], header_score)
            # A preferred sheet wins ties; otherwise the sheet with most known headers.
            rank = score * 2 + (1 if name.strip().lower() in preferred else 0)
            if score and (best is None or rank > best[0]):
                best = (rank, name, grid)
    except OverLimit:
        raise
    except Exception as exc:  # damaged parts
        raise UnreadableFile("The Excel workbook is damaged and its sheets could not be read.") from exc
    finally:
        workbook.close()
    if best is None:
        raise NoStandardHeaders(
            "No sheet in the workbook has the column headers of the placements standard"
            + (f" (expected a '{preferred_sheets[0]}' sheet)." if preferred_sheets else ".")
        )
    return _table("xlsx", best[2], header_score, sheet=best[1])


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The CSV file's text encoding is not UTF-8 or Windows-1252: export it again as CSV UTF-8.")


def read_csv(data: bytes, header_score: Callable[[list[Any]], int], limits: Limits = DEFAULT_LIMITS) -> RawTable:
    if b"\x00" in data:
        raise UnreadableFile("The file is not a text CSV file (it contains binary data, such as a NUL byte): "
                             "export it again from Excel as CSV UTF-8.")
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        grid = []
        line = 1
        budget = RowBudget(limits)
        for record in reader:
            budget.take(len(record))
            grid.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV file could not be read: {exc}.") from exc
    return _table("csv", grid, header_score)


def _flatten(record: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """Nested JSON-LD objects (placementAvailability, riskAssessment, ...) merged into one level."""
    for key, value in record.items():
        if key in JSONLD_KEYWORDS:
            continue
        if isinstance(value, dict) and not ({"@value"} & set(value)):
            _flatten(value, out)
        else:
            out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):  # {"@value": ...} literal
        return _plain(value.get("@value"))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and (m := _IRI.match(value.strip())):
        return m.group(1)
    return value


def read_jsonld(data: bytes, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """One record, a list of records, or an @graph. Row numbers are record numbers (1 = first record)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise OverLimit(f"The JSON nests objects more than {limits.max_json_depth} levels deep (a placement "
                        "record nests 3): it is not a placements return.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(
            f"The file is not valid JSON ({exc.__class__.__name__}); export the records again as JSON-LD."
        ) from exc
    check_json_depth(doc, limits.max_json_depth)
    records = doc.get("@graph", doc) if isinstance(doc, dict) else doc
    records = [records] if isinstance(records, dict) else records
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise UnreadableFile("The JSON does not hold placement records (an object, a list of objects or an @graph).")
    if len(records) > limits.max_rows:
        raise OverLimit(f"The file has {len(records):,} records, above the limit of {limits.max_rows:,} for one "
                        "return: send it as quarterly files.")
    flat = [_flatten(r, {}) for r in records]
    if max((len(r) for r in flat), default=0) > limits.max_columns:
        raise OverLimit(f"A record has more than {limits.max_columns:,} properties (the standard has about 50): "
                        "it is not a placements return.")
    headers: list[str] = []
    for record in flat:
        headers.extend(k for k in record if k not in headers)
    rows = [(i, [record.get(h) for h in headers]) for i, record in enumerate(flat, start=1)]
    return RawTable(format="json", headers=headers, rows=rows, header_row=0)
