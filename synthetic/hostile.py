"""Hostile and odd files, as an unattended intake may receive them: for the tests, the hostile-file
benchmark and the fault soak. Each writes one file and returns its path."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from ingest.standard.contract import load_contract

ROW_XML = b'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'


def _template_workbook(path: Path) -> Path:
    """A valid one-row 2026 template (headers from the contract)."""
    version = load_contract().version("template-2026")
    fields = version.layout_fields("2026-06")
    wb = Workbook()
    ws = wb.active
    ws.title = version.sheet
    ws.append([f.canonical.section for f in fields])
    ws.append([f.headers[0] for f in fields])
    ws.append([f.canonical.description for f in fields])
    wb.save(path)
    return path


def decompression_bomb(path: Path, unpacked_mb: int = 300) -> Path:
    """A real xlsx whose sheet XML expands to `unpacked_mb` MB from a few hundred KB: honest zip headers,
    repetitive rows (the shape of the 18 MB file that expanded to 5 GB)."""
    base = _template_workbook(path.with_suffix(".base.xlsx"))
    chunk = ROW_XML.replace(b"{n}", b"10") * 1000  # the same row over and over: deflate packs it ~1000 to 1
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, data)
                continue
            head, tail = data.split(b"</sheetData>")
            info = zipfile.ZipInfo(item.filename)
            info.compress_type = zipfile.ZIP_DEFLATED
            with out.open(info, "w", force_zip64=True) as sheet:
                sheet.write(head)
                written = 0
                while written < unpacked_mb * 1024 * 1024:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData>" + tail)
    base.unlink()
    return path


def entity_bomb(path: Path) -> Path:
    """A billion-laughs XML entity expansion inside the sheet: must never be expanded."""
    base = _template_workbook(path.with_suffix(".base.xlsx"))
    lol = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + "]>")
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace("?>", "?>" + lol, 1)
                text = text.replace("<sheetData>", '<sheetData><row r="4"><c r="A4" t="inlineStr"><is><t>&lol9;</t>'
                                    "</is></c></row>", 1)
                data = text.encode()
            out.writestr(item, data)
    base.unlink()
    return path


def with_formula(path: Path, cell: str, formula: str, cached: str | None) -> Path:
    """Put a formula (and the value Excel last computed, if any) into one cell of an existing xlsx."""
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    sheet_name = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    text = parts[sheet_name].decode()
    value = f"<v>{cached}</v>" if cached is not None else ""
    replaced, count = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', f'<c r="{cell}"><f>{formula}</f>{value}</c>', text)
    if not count:
        raise ValueError(f"cell {cell} not found")
    parts[sheet_name] = replaced.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def wide_csv(path: Path, columns: int = 10_000) -> Path:
    path.write_text("Child ID," + ",".join(f"c{i}" for i in range(columns - 1)) + "\nA1" + "," * (columns - 1) + "\n")
    return path


def nul_csv(path: Path) -> Path:
    text = "Child ID,Placement Type\n" + "".join(f"C{i},Foster\n" for i in range(2000))
    path.write_bytes(text.encode() + b"C9,\x00Foster\n")
    return path


def many_records_jsonld(path: Path, records: int = 100_000) -> Path:
    record = {"@type": "Placement", "childId": "X", "placementAvailability": {"neededBy": "Today"}}
    path.write_text(json.dumps([{**record, "childId": f"C{i}"} for i in range(records)]))
    return path


def deep_jsonld(path: Path, depth: int = 100_000) -> Path:
    path.write_text('{"childId": "X", "a": ' + "[" * depth + "]" * depth + "}")
    return path


def symlink_to(path: Path, target: Path) -> Path:
    os.symlink(target, path)
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path
