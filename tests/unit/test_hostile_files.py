"""Hostile and odd files are refused quickly with a rule code and a message an LA understands, before they
can stall a night: bombs, huge or deep structures, formulas, NUL bytes (issue: bounded work per file)."""

import datetime as dt
import zipfile
from decimal import Decimal

import pytest

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import assess_file
from ingest.settings import MB, Limits, Settings
from ingest.standard.contract import load_contract
from synthetic import hostile
from tests.helpers import VALID, column_of, write_template_rows


@pytest.fixture(scope="module")
def gate():
    return ExpectationGate(load_contract(), today=dt.date(2026, 6, 30))


def _assess(path, gate, tmp_path, limits=None):
    return assess_file(path, "933", load_contract(), gate, Settings(home=tmp_path, limits=limits or Limits()))


def test_a_decompression_bomb_is_refused_from_the_zip_directory(tmp_path, gate):
    bomb = hostile.decompression_bomb(tmp_path / "bomb.xlsx", unpacked_mb=300)
    assert bomb.stat().st_size < 3 * MB  # small on disk, 300 MB once opened
    a = _assess(bomb, gate, tmp_path)
    assert a.status == "rejected" and a.findings[0].code == "F008"
    assert "would expand to 300 MB" in a.findings[0].message


def test_a_part_that_expands_far_more_than_a_spreadsheet_is_refused(tmp_path, gate):
    bomb = hostile.decompression_bomb(tmp_path / "ratio.xlsx", unpacked_mb=20)
    a = _assess(bomb, gate, tmp_path, Limits(max_compression_ratio=50))
    assert a.findings[0].code == "F008" and "expands" in a.findings[0].message


def test_xml_entities_are_never_expanded(tmp_path, gate):
    a = _assess(hostile.entity_bomb(tmp_path / "lol.xlsx"), gate, tmp_path)
    assert a.status == "rejected" and a.findings[0].code == "F001"  # defusedxml refuses the DTD


def test_formula_cells_give_the_value_excel_computed_and_are_never_evaluated(tmp_path, gate):
    path = write_template_rows(tmp_path / "f.xlsx", [VALID, {**VALID, "child_id": "TST0002"}])
    cost = column_of("total_weekly_cost")
    hostile.with_formula(path, f"{cost}4", "800+100", "900")  # cached value: read as 900
    hostile.with_formula(path, f"{cost}5", "[1]Sheet1!A1*1000", None)  # no cached value, external link
    a = _assess(path, gate, tmp_path)
    by_row = a.accepted.set_index("source_row") if a.accepted is not None else None
    assert by_row.loc[4, "total_weekly_cost"] == Decimal("900.00")
    assert 5 not in by_row.index  # blank once not evaluated: the placement block is incomplete (R007)
    assert ("R007", 5) in {(f.code, f.row) for f in a.findings}


def test_a_nul_byte_anywhere_in_a_csv_is_refused(tmp_path, gate):
    a = _assess(hostile.nul_csv(tmp_path / "nul.csv"), gate, tmp_path)
    assert a.findings[0].code == "F001" and "NUL" in a.findings[0].message


def test_ten_thousand_columns_are_refused(tmp_path, gate):
    a = _assess(hostile.wide_csv(tmp_path / "wide.csv"), gate, tmp_path)
    assert a.findings[0].code == "F008" and "10,000 columns" in a.findings[0].message


def test_a_sheet_claiming_sixteen_thousand_columns_is_refused(tmp_path, gate):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["child_ID"])
    wb.active.cell(200_000, 16_000, "far away")
    wb.save(tmp_path / "far.xlsx")
    a = _assess(tmp_path / "far.xlsx", gate, tmp_path)
    assert a.findings[0].code == "F008"


def test_a_hundred_thousand_record_jsonld_is_refused(tmp_path, gate):
    a = _assess(hostile.many_records_jsonld(tmp_path / "many.jsonld"), gate, tmp_path)
    assert a.findings[0].code == "F008" and "100,000 records" in a.findings[0].message


def test_json_nested_deeper_than_a_record_can_be_is_refused(tmp_path, gate):
    for depth in (50, 100_000):  # within the parser's reach, and beyond it
        a = _assess(hostile.deep_jsonld(tmp_path / f"deep{depth}.jsonld", depth), gate, tmp_path)
        assert a.findings[0].code == "F008" and "levels deep" in a.findings[0].message


def test_too_many_rows_are_refused_while_reading(tmp_path, gate):
    path = write_template_rows(tmp_path / "rows.xlsx", [{**VALID, "child_id": f"C{i}"} for i in range(30)])
    a = _assess(path, gate, tmp_path, Limits(max_rows=20))
    assert a.findings[0].code == "F008" and "20 rows" in a.findings[0].message


def test_archive_parts_are_checked_only_for_real_zips(tmp_path, gate):
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    assert _assess(tmp_path / "x.xlsx", gate, tmp_path).findings[0].code == "F001"
    with zipfile.ZipFile(tmp_path / "empty.xlsx", "w"):
        pass
    assert _assess(tmp_path / "empty.xlsx", gate, tmp_path).findings[0].code == "F001"
