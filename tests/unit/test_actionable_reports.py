"""Reports an LA can act on without calling anyone: for a value not in the list, the accepted values in the
spelling of the LA's own format (never the value sent), and what to fix first."""

import csv
import json

import openpyxl
import pytest

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import assess_file
from ingest.intake.reports import accepted_values, fix_first, write_report
from ingest.settings import Settings
from ingest.standard.contract import load_contract, spelling_key
from tests.conftest import shared_reference
from tests.helpers import VALID, write_template_rows
from tests.unit.test_rules import TODAY

SENT = "Whenever suits"


@pytest.fixture(scope="module")
def gate():
    return ExpectationGate(load_contract(), today=TODAY)


def test_template_report_lists_the_dropdown_and_says_what_to_fix_first(tmp_path, gate):
    records = [VALID, *({**VALID, "child_id": f"N{i}", "needed_by": SENT} for i in range(2)),
               {**VALID, "child_id": "P1", "placement_location": "Taunton"}, *[VALID | {"child_id": f"V{i}"}
                                                                                for i in range(4)]]
    path = write_template_rows(tmp_path / "q1.xlsx", records)
    a = assess_file(path, "933", load_contract(), gate, Settings(home=tmp_path))
    assert a.status == "accepted" and {f.code for f in a.findings} == {"R003", "R005"}
    html_path = write_report(a, tmp_path / "reports")
    page = html_path.read_text(encoding="utf-8")
    assert "Use one of: Today; &lt; 5days; &gt; 5 days." in page  # the template's own dropdown spelling
    assert SENT not in page
    assert ("Fix first: Value not in the list (R003), on 2 row(s): when_placement_is_needed_by (2 row(s)). "
            "Use one of: Today; &lt; 5days; &gt; 5 days.") in page
    assert "Then 1 other rule(s) on 1 row finding(s)" in page
    with html_path.with_suffix(".csv").open(encoding="utf-8") as f:
        hints = [row["fix_hint"] for row in csv.DictReader(f) if row["rule_code"] == "R003"]
    assert hints == ["Use one of: Today; < 5days; > 5 days."] * 2


def test_a_clean_file_has_nothing_to_fix_first(tmp_path, gate):
    a = assess_file(write_template_rows(tmp_path / "ok.xlsx", [VALID]), "933", load_contract(), gate,
                    Settings(home=tmp_path))
    assert fix_first(a) == "" and "Fix first" not in write_report(a, tmp_path).read_text(encoding="utf-8")


@pytest.mark.parametrize(("version", "field", "expected"), [
    ("v2", "needed_by", ["Today", "in less than 5 days", "in more than 5 days"]),  # placements.json options
    ("v2", "communication_needs", ["Y", "N", "Not specified"]),
    ("jsonld-2026", "needed_by", ["Today", "Within 5 days", "More than 5 days"]),  # the ontology's labels
    ("template-2026", "communication_needs", ["Yes", "No", "Not specified"]),
    ("template-2026", "child_id", []),  # not a list field
])
def test_accepted_values_in_each_formats_spelling(version, field, expected):
    assert accepted_values(version, field) == expected


def _lookup(version: str, field: str) -> dict[str, str]:
    contract = load_contract()
    return contract.value_lookup(contract.version(version).get(field))


def test_every_listed_value_is_accepted_back_as_its_own_value():
    contract = load_contract()
    for version in contract.versions:
        for vf in version.fields:
            if not vf.canonical.vocabulary:
                continue
            listed = accepted_values(version.version, vf.name)
            canonical = contract.canonical_values(vf.canonical.vocabulary)
            assert [_lookup(version.version, vf.name)[spelling_key(v)] for v in listed] == list(canonical)


def test_the_published_option_lists_are_what_an_la_is_shown():
    """Every option of the v2 specification's lists and of the June template's dropdowns is listed,
    in the same spelling (case, spaces and punctuation aside)."""
    reference = shared_reference()
    contract = load_contract()
    spec = json.loads((reference / "standard-v2" / "placements.json").read_text(encoding="utf-8"))
    checked = 0
    for entity in spec["entities"]:
        for f in entity["fields"]:
            vf = contract.version("v2").field_for_header(f["name"])
            if "options" in f and vf is not None and vf.canonical.vocabulary:
                shown = {spelling_key(v) for v in accepted_values("v2", vf.name)}
                assert {spelling_key(o) for o in f["options"]} <= shown, f["name"]
                checked += 1
    book = openpyxl.load_workbook(reference / "standard-2026" / "templates" /
                                  "National-Placement-Standard-Excel-20260624.xlsx")
    sheet = book["Data Collection"]
    for validation in sheet.data_validations.dataValidation:
        for cells in str(validation.sqref).split():
            column = cells.split(":")[0].rstrip("0123456789")
            vf = contract.version("template-2026").field_for_header(str(sheet[f"{column}2"].value))
            if vf is None or not vf.canonical.vocabulary:
                continue
            options = validation.formula1.strip('"').split(",")
            shown = {spelling_key(v) for v in accepted_values("template-2026", vf.name)}
            assert {spelling_key(o) for o in options} <= shown, vf.name
            checked += 1
    assert checked > 15
