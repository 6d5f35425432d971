"""Property-based fuzzing of every reader: nothing an LA sends crashes the intake; every input
yields rows or a report with a reason."""

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import INTERNAL_ERROR, assess_prepared, prepare_file
from ingest.settings import Settings
from ingest.standard.contract import load_contract

CONTRACT = load_contract()
V2_HEADERS = [f.label for f in CONTRACT.version("v2").fields]
TEMPLATE_HEADERS = [f.label for f in CONTRACT.version("template-2026").fields]
SUFFIXES = [".csv", ".xlsx", ".json", ".jsonld", ".txt", ".pdf"]
printable = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)  # as Excel can hold
cell_text = st.one_of(st.none(), printable, st.sampled_from(
    ["Yes", "N", "£1,234.50", "-3", "31/02/2024", "45385", "Foster", "< 5 days", "Risk Present", "NA", "ESOL; BSL"]))
excel_cell = st.one_of(cell_text, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def gate():
    return ExpectationGate(CONTRACT)


def _outcome(path: Path, gate=None):
    prepared = prepare_file(path, "933", CONTRACT, Settings(home=path.parent))
    assessment = assess_prepared([prepared], gate, Settings(home=path.parent))[0] if gate else prepared.assessment
    if assessment.status == "rejected":
        assert assessment.findings and assessment.findings[0].message
        assert INTERNAL_ERROR not in assessment.findings[0].message  # a reader bug, not a bad file
    else:
        assert assessment.rows_received >= 1
    return assessment


@FAST
@given(data=st.binary(max_size=2048), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_never_crash(data, suffix):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f{suffix}"
        path.write_bytes(data)
        a = _outcome(path)
        if a.status == "rejected":
            assert a.findings[0].code in {"F001", "F003", "F004", "F005"}


@SLOW
@given(order=st.permutations(V2_HEADERS), rows=st.lists(st.lists(cell_text, min_size=0, max_size=45), max_size=6),
       delimiter=st.sampled_from([",", ";"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_csv_with_permuted_headers_and_random_cells(gate, order, rows, delimiter, encoding):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(order)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.csv"
        path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
        _outcome(path, gate)


@SLOW
@given(order=st.permutations(TEMPLATE_HEADERS), rows=st.lists(st.lists(excel_cell, max_size=46), max_size=5),
       description=st.booleans())
def test_xlsx_with_permuted_headers_and_random_cells(gate, order, rows, description):
    wb = Workbook()
    ws = wb.active
    ws.title = "Data Collection"
    ws.append(["group"])
    ws.append(list(order))
    if description:
        ws.append(["a long description of what goes in this column, as the template has"] * len(order))
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.xlsx"
        wb.save(path)
        _outcome(path, gate)


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@SLOW
@given(records=st.lists(st.fixed_dictionaries(
    {}, optional={k: json_value for k in ["childId", "neededBy", "riskSelfHarm", "placementType",
                                          "referralDate", "totalWeeklyCost", "additionalSupport"]}), max_size=4),
    wrap=st.sampled_from(["list", "graph", "single"]))
def test_json_records_with_random_values(gate, records, wrap):
    doc = {"list": records, "graph": {"@graph": records}, "single": records[0] if records else {}}[wrap]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.jsonld"
        path.write_text(json.dumps(doc))
        _outcome(path, gate)
