"""Remove rows from a submitted file, keeping everything else of it: how an erased child leaves the
archived originals. Row numbers are the reader's (Excel row, CSV line where the record starts, JSON
record number), so the rows found by reading and conforming the file are the rows removed."""

from __future__ import annotations

import io
import json

from ingest.intake.readers import UnreadableFile


def _csv_without(data: bytes, rows: set[int]) -> bytes:
    import csv

    bom = data.startswith(b"\xef\xbb\xbf")
    encoding = "utf-8-sig" if bom else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp1252", data.decode("cp1252")
    lines = io.StringIO(text, newline="").readlines()  # split exactly as the csv reader counts lines
    first = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(iter(lines), delimiter=first)
    drop: set[int] = set()  # 0-based indexes of physical lines to drop
    start = 1
    for _ in reader:
        if start in rows:
            drop.update(range(start - 1, reader.line_num))
        start = reader.line_num + 1
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    return kept.encode(encoding)


def _json_without(data: bytes, rows: set[int]) -> bytes:
    doc = json.loads(data.decode("utf-8-sig"))
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
        doc["@graph"] = [r for i, r in enumerate(doc["@graph"], start=1) if i not in rows]
    elif isinstance(doc, list):
        doc = [r for i, r in enumerate(doc, start=1) if i not in rows]
    elif 1 in rows:
        doc = []
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _xlsx_without(data: bytes, rows: set[int], sheet: str | None) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), keep_links=False)
    ws = workbook[sheet] if sheet else workbook.active
    for row in sorted(rows, reverse=True):
        ws.delete_rows(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def without_rows(data: bytes, kind: str, rows: set[int], sheet: str | None = None) -> bytes:
    """The file's bytes with `rows` removed (kind: csv, xlsx or json)."""
    if not rows:
        return data
    if kind == "csv":
        return _csv_without(data, rows)
    if kind == "json":
        return _json_without(data, rows)
    if kind == "xlsx":
        return _xlsx_without(data, rows, sheet)
    raise UnreadableFile(f"cannot rewrite a file of kind {kind}")
