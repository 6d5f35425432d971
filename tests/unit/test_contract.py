import datetime as dt
import re
import shutil

import pytest
from openpyxl import load_workbook

from ingest.standard.contract import STANDARD_DIR, ContractError, load_contract, load_contract_from, spelling_key
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


# --- the typed contract: misspelt or unknown keys fail at load, naming the file and the key


def _edited_copy(tmp_path, file_name, old, new):
    folder = tmp_path / "standard"
    shutil.copytree(STANDARD_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (folder / file_name).read_text()
    assert old in text
    (folder / file_name).write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize("file_name,old,new,named", [
    ("v2.yaml", "child_id: {headers: [\"Child ID\", childId], required: yes}",
     "child_id: {headers: [\"Child ID\", childId], requred: yes}", "requred"),
    ("canonical.yaml", "section: availability, type: integer, min: 0", "section: availability, type: integer, minn: 0",
     "minn"),
    ("canonical.yaml", "sensitivity: officer", "sensitivity: officr", "sensitivity"),
    ("rules.yaml", "W001: {severity: warning", "W001: {severity: warn", "severity"),
    ("rules.yaml", "fields: [placement_location]", "fields: [placement_locaton]", "placement_locaton"),
    ("template-2026.yaml", "{\"Within 5 days\": [\"< 5days\"]", "{\"Within 5 dayz\": [\"< 5days\"]", "Within 5 dayz"),
    ("jsonld-2026.yaml", "formats: [json]", "formats: [jsn]", "formats"),
    ("template-2026.yaml", "blank_template: {layout: \"2026-06\"", "blank_template: {layout: \"2026-07\"", "2026-07"),
])
def test_a_typo_in_the_contract_fails_at_load_naming_file_and_key(tmp_path, file_name, old, new, named):
    folder = _edited_copy(tmp_path, file_name, old, new)
    with pytest.raises(ContractError) as caught:
        load_contract_from(folder)
    assert file_name in str(caught.value) and named in str(caught.value)


def test_an_identifier_can_never_be_kept_in_staging(tmp_path):
    folder = _edited_copy(tmp_path, "canonical.yaml", "staging: pseudonymise, as: child_key", "staging: keep")
    with pytest.raises(ContractError, match="child_id: sensitivity identifier cannot be 'keep'"):
        load_contract_from(folder)


def test_every_entry_of_the_contract_is_used():
    contract = load_contract()
    # min drives R004: every field with a minimum is checked, and only those
    from ingest.intake.expectations import checks_for

    version = contract.version("template-2026")
    present = set(version.field_names)
    r004 = {c.field for c in checks_for(contract, version, present, dt.date(2026, 1, 1)) if c.code == "R004"}
    assert r004 == {f.name for f in version.fields if f.canonical.min is not None} and len(r004) == 7
    # sensitivity drives staging: officer names and free text are dropped, identifiers transformed
    from warehouse.transform.generate import staging_columns

    exposed = {name for name, *_ in staging_columns(contract)}
    restricted = {c.name for c in contract.raw_columns if c.sensitivity != "none"}
    assert not exposed & restricted and {"child_key", "referral_key", "has_placement_id"} <= exposed
    # sheet, header and data rows drive the blank template and the readers' sheet preference
    assert contract.sheets == ("Data Collection",)
    assert version.header_row == 2 and version.first_data_row == 4

