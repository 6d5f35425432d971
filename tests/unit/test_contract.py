import re

from openpyxl import load_workbook

from ingest.contract import load_contract, spelling_key
from tests.conftest import shared_reference


def test_every_version_field_is_canonical_and_vocabularies_exist():
    contract = load_contract()
    for version in contract.versions:
        for f in version.fields:
            assert f.name in contract.field_names
            if f.canonical.vocabulary:
                assert contract.canonical_values(f.canonical.vocabulary)


def test_every_header_of_both_national_templates_maps_to_a_field():
    template = load_contract().version("template-2026")
    for name, columns in [("20260427", 45), ("20260624", 44)]:
        path = shared_reference() / "standard-2026" / "templates" / f"National-Placement-Standard-Excel-{name}.xlsx"
        ws = load_workbook(path, read_only=True)["Data Collection"]
        headers = [c for c in next(ws.iter_rows(min_row=2, max_row=2, values_only=True)) if c]
        assert len(headers) == columns
        unmapped = [h for h in headers if template.field_for_header(h) is None]
        assert unmapped == []


def test_template_dropdown_spellings_map_to_canonical_values():
    contract = load_contract()
    template = contract.version("template-2026")
    path = shared_reference() / "standard-2026" / "templates" / "National-Placement-Standard-Excel-20260624.xlsx"
    ws = load_workbook(path)["Data Collection"]
    checked = 0
    for dv in ws.data_validations.dataValidation:
        options = [o.strip() for o in dv.formula1.strip('"').split(",")]
        column = re.match(r"[A-Z]+", str(dv.sqref)).group(0)
        header = ws[f"{column}2"].value
        vf = template.field_for_header(header)
        if vf is None or not vf.canonical.vocabulary:
            continue  # yes/no columns are booleans
        lookup = contract.value_lookup(vf)
        assert all(spelling_key(o) in lookup for o in options), (header, options)
        checked += 1
    assert checked >= 8


def test_v2_labels_and_json_names_are_headers():
    v2 = load_contract().version("v2")
    assert v2.field_for_header("When placement is needed by").name == "needed_by"
    assert v2.field_for_header("neededBy").name == "needed_by"
    assert v2.field_for_header("  child id ").name == "child_id"
    assert v2.get("is_education_continuous").invert


def test_spelling_key_ignores_case_space_and_punctuation_but_not_comparisons():
    assert spelling_key("Yes - must") == spelling_key("YesMust") == spelling_key("yes-must")
    assert spelling_key("< 5 days") != spelling_key("> 5 days")
