"""Every shape of the standard is accepted and conformed: JSON-LD examples, both national templates,
the generated blank template, v2 CSV variants."""

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import assess_file
from ingest.settings import Settings
from ingest.standard.contract import load_contract
from ingest.standard.template import write_template
from tests.conftest import shared_reference
from tests.helpers import VALID, cell_value, template_fields


@pytest.fixture(scope="module")
def gate():
    return ExpectationGate(load_contract(), today=dt.date(2026, 6, 30))


def _assess(path, gate, tmp_path):
    return assess_file(path, "933", load_contract(), gate, Settings(home=tmp_path))


def test_jsonld_valid_placement_is_conformed_field_by_field(gate, tmp_path):
    path = shared_reference() / "standard-2026" / "examples" / "valid-placement.jsonld"
    a = _assess(path, gate, tmp_path)
    assert a.status == "accepted" and a.version == "jsonld-2026" and a.findings == []
    row = a.accepted.iloc[0]
    expected = {
        "child_id": "ABCD2012", "needed_by": "Within 5 days", "sibling_count": 2,
        "is_preferred_location_local": False, "out_of_la_reason": "Court order",
        "communication_needs": "Not specified", "communication_requirements": ["ESOL"],
        "cultural_needs": "Required", "living_companions": "Only with other younger children", "pets": "No",
        "additional_support": ["Taxis to school"], "deprivation_of_liberty": True,
        "foster_suitability": "Preferred", "residential_suitability": "Suitable but not preferred",
        "supported_accommodation_suitability": "Unsuitable", "risk_self_harm": "Risk present",
        "risk_missing": "Risk present", "risk_sexual_exploitation": "No known risk",
        "risk_to_others_criminal": "No known risk", "cost_core_weekly": Decimal("2500.00"),
        "cost_additional_support_weekly": Decimal("1500.00"), "cost_education_weekly": Decimal("0.00"),
        "cost_other_weekly": Decimal("500.00"), "total_weekly_cost": Decimal("4500.00"),
        "placement_location": "N18", "is_location_preferred": True, "is_education_continuous": False,
        "provider_urn": "ABCD10293002", "siblings_placed_together": 1, "placement_type": "Residential",
        "referral_date": dt.date(2024, 2, 12), "placement_date": dt.date(2024, 3, 21),
        "cost_date": dt.date(2024, 3, 25), "referral_officer_name": "Alex Brown",
    }
    assert {k: row[k] for k in expected} == expected
    assert a.not_collected == ["preferred_location"]  # only v2 asks for a free-text preferred location


def test_jsonld_other_options_keep_their_free_text(gate, tmp_path):
    path = shared_reference() / "standard-2026" / "examples" / "valid-other-options.jsonld"
    a = _assess(path, gate, tmp_path)
    assert a.status == "accepted" and a.findings == []
    row = a.accepted.iloc[0]
    assert row["placement_id"] == "PLC-OTHER-001"
    assert row["out_of_la_reason"] == "Other" and "Budget constraints" in row["out_of_la_reason_other"]
    assert row["communication_requirements"] == ["BSL", "Other"]
    assert row["additional_support"] == ["Other", "Taxis to school", "Therapeutic support"]
    assert row["cultural_needs"] == "Other" and row["cultural_needs_other"]
    assert row["placement_type"] is None  # not placed yet: the actual-placement block is absent


def test_jsonld_list_of_records_with_full_iris(gate, tmp_path):
    import json

    record = json.loads((shared_reference() / "standard-2026" / "examples" / "valid-placement.jsonld").read_text())
    second = json.loads(json.dumps(record))
    second["childId"] = "XYZ9"
    second["placementAvailability"]["neededBy"] = "https://ns.socialcaredata.io/placements/placement-urgency#Today"
    second["riskAssessment"]["riskSelfHarm"] = "rl:NoKnownRisk"
    (tmp_path / "two.json").write_text(json.dumps({"@graph": [record, second]}))
    a = _assess(tmp_path / "two.json", gate, tmp_path)
    assert a.status == "accepted" and a.rows_accepted == 2
    assert a.accepted.iloc[1]["needed_by"] == "Today" and a.accepted.iloc[1]["risk_self_harm"] == "No known risk"



@pytest.mark.parametrize("name,layout", [("20260427", "2026-04"), ("20260624", "2026-06")])
def test_copies_of_the_national_templates_filled_with_rows_are_accepted(gate, tmp_path, name, layout):
    source = shared_reference() / "standard-2026" / "templates" / f"National-Placement-Standard-Excel-{name}.xlsx"
    path = tmp_path / f"filled-{name}.xlsx"
    shutil.copy(source, path)
    wb = load_workbook(path)
    ws = wb["Data Collection"]
    records = [{**VALID, "child_id": f"N{i:04d}", "risk_to_others_other": None} for i in range(5)]
    records[1].update(placement_type="Residential", total_weekly_cost=Decimal("5200.50"),
                      cost_core_weekly=Decimal("5000"), cost_additional_support_weekly=Decimal("200.50"))
    by_header = {str(c.value).strip(): c.column for c in ws[2] if c.value}
    version = load_contract().version("template-2026")
    for offset, record in enumerate(records):
        for header, column in by_header.items():
            f = version.field_for_header(header)
            ws.cell(4 + offset, column, cell_value(f, record.get(f.name)))
    wb.save(path)
    a = _assess(path, gate, tmp_path)
    assert a.status == "accepted", a.findings
    assert a.layout == layout and a.rows_accepted == 5 and a.findings == []
    assert a.accepted.iloc[1]["total_weekly_cost"] == Decimal("5200.50")
    assert "risk_sexual_exploitation" in a.not_collected


def test_the_generated_blank_template_filled_in_is_accepted(gate, tmp_path):
    path = write_template(load_contract(), tmp_path / "blank.xlsx")
    wb = load_workbook(path)
    ws = wb["Data Collection"]
    assert wb["Lists"].sheet_state == "hidden"
    assert len(ws.data_validations.dataValidation) >= 20
    fields = template_fields()
    assert [c.value for c in ws[2]][: len(fields)] == [f.headers[0] for f in fields]
    for offset in range(3):
        for col, f in enumerate(fields, start=1):
            ws.cell(4 + offset, col, cell_value(f, {**VALID, "child_id": f"G{offset}"}.get(f.name)))
    wb.save(path)
    a = _assess(path, gate, tmp_path)
    assert a.status == "accepted" and a.rows_accepted == 3 and a.findings == []


def test_template_dropdowns_offer_exactly_the_contract_values(tmp_path):
    contract = load_contract()
    wb = load_workbook(write_template(contract, tmp_path / "blank.xlsx"))
    lists = wb["Lists"]
    for column in lists.iter_cols(values_only=True):
        name, *values = [v for v in column if v is not None]
        if name in contract.vocabularies:
            assert tuple(values) == contract.canonical_values(name)
