"""Bounds on the work one file may cause (Settings.limits), checked before and while it is parsed.

A decompression bomb, a sheet claiming a million rows or ten thousand columns, a JSON document nested
thousands deep: each is refused in seconds with rule F008 and a message an LA can act on, before it can
hold up the night's other files or exhaust memory."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ingest.settings import MB, Limits


class OverLimit(Exception):
    """The file is beyond a safety limit; the message is for the LA and names the limit."""


MAX_ARCHIVE_PARTS = 10_000  # an xlsx written by Excel has a few dozen parts


def check_workbook_archive(data: bytes, limits: Limits) -> None:
    """Read only the zip's central directory: total and per-part decompressed size and compression ratio.
    Python's zip reader stops at the declared size, so a part cannot expand beyond what is checked here."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the reader reports an unreadable workbook
    if len(infos) > MAX_ARCHIVE_PARTS:
        raise OverLimit(f"The workbook is made of {len(infos):,} parts (an Excel return has a few dozen): it is "
                        "damaged or not a placements return. Save the Data Collection sheet as a new workbook.")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise OverLimit(f"The workbook would expand to {unpacked / MB:,.0f} MB when opened, above the "
                        f"{limits.max_unpacked_bytes / MB:,.0f} MB limit: it holds far more than a placements "
                        "return, or is damaged. Copy only the Data Collection sheet into a new workbook and "
                        "send that.")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > limits.max_compression_ratio:
            raise OverLimit(f"A part of the workbook expands {ratio:,.0f} times when opened (a spreadsheet "
                            f"expands at most about 30 times; the limit is {limits.max_compression_ratio:,.0f}): "
                            "the file looks crafted or damaged. Save the return again from Excel.")


class RowBudget:
    """Counts rows and checks each row's width as a reader goes, so the reader stops at the first row
    beyond a limit instead of reading all of them. Rows above the header (up to 10) are allowed for."""

    HEADER_ALLOWANCE = 10

    def __init__(self, limits: Limits, unit: str = "rows"):
        self.limits, self.unit, self.rows = limits, unit, 0

    def take(self, width: int) -> None:
        self.rows += 1
        if width > self.limits.max_columns:
            raise OverLimit(f"A row of the file has {width:,} columns, above the limit of "
                            f"{self.limits.max_columns:,} (the standard has about 50): check that the data was "
                            "exported as one table with the standard's headers.")
        if self.rows > self.limits.max_rows + self.HEADER_ALLOWANCE:
            raise OverLimit(f"The file has more than {self.limits.max_rows:,} {self.unit}, the limit for one "
                            "return: send it as quarterly files.")


def check_json_depth(doc: Any, limit: int) -> None:
    """Depth of nesting, walked iteratively (no recursion to exhaust) and stopped at the limit."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise OverLimit(f"The JSON nests objects more than {limit} levels deep (a placement record nests "
                            "3): it is not a placements return. Export the records again as JSON-LD.")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d{1,9})"')
_CELL_COLUMN = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,4})\d')


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def check_sheet_extents(data: bytes, limits: Limits) -> None:
    """The furthest row and column any sheet references, found by scanning its XML (bounded by the archive
    check): a reader that holds the used area in memory would otherwise allocate rows x columns cells for
    one crafted far-away cell."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            xml = archive.read(info)
            rows = max(map(int, _ROW_NUMBER.findall(xml)), default=0)
            columns = max((_column_number(c) for c in set(_CELL_COLUMN.findall(xml))), default=0)
            if columns > limits.max_columns:
                raise OverLimit(f"A sheet uses column {columns:,}, beyond the limit of {limits.max_columns:,} "
                                "(the standard has about 50): delete whatever is far to the right of the table, "
                                "or copy the table into a new workbook.")
            if rows > limits.max_rows + RowBudget.HEADER_ALLOWANCE:
                raise OverLimit(f"A sheet uses row {rows:,}, beyond the limit of {limits.max_rows:,} rows for one "
                                "return: delete whatever is far below the table, or send quarterly files.")
