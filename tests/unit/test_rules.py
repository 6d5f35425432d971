"""Every rule of the catalogue: one passing and one failing case, asserting code, row and column."""

import datetime as dt
from decimal import Decimal

import pytest

from ingest.intake.expectations import ExpectationGate
from ingest.intake.gate import assess_file
from ingest.settings import Limits, Settings
from ingest.standard.contract import load_contract
from tests.helpers import VALID, column_of, write_template_rows

TODAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def gate():
    return ExpectationGate(load_contract(), today=TODAY)


@pytest.fixture
def assess(tmp_path, gate):
    settings = Settings(home=tmp_path)

    def run(records, la="933", name="r.xlsx"):
        path = write_template_rows(tmp_path / name, records)
        return assess_file(path, la, load_contract(), gate, settings)

    return run


def codes(assessment):
    return {(f.code, f.row, f.column) for f in assessment.findings}


def test_a_valid_row_raises_nothing(assess):
    a = assess([VALID])
    assert a.status == "accepted" and a.findings == [] and a.rows_accepted == 1


# (rule, changes to the valid row, field whose column is reported)
ROW_RULES = [
    ("R001", {"child_id": None}, "child_id"),
    ("R002", {"referral_date": "31/02/2025"}, "referral_date"),
    ("R003", {"placement_type": "Resi"}, "placement_type"),
    ("R004", {"cost_other_weekly": Decimal("-5")}, "cost_other_weekly"),
    ("R005", {"placement_location": "Taunton"}, "placement_location"),
    ("R006", {"additional_support": ["Other"]}, "additional_support_other"),
    ("R007", {"placement_location": None}, "placement_location"),
    ("R008", {"referral_date": dt.date(2026, 7, 2), "placement_date": dt.date(2026, 7, 3)}, "referral_date"),
    ("R009", {"placement_date": dt.date(2025, 3, 1)}, "placement_date"),
    ("R010", {"risk_missing": None}, "risk_missing"),
    ("W001", {"total_weekly_cost": Decimal("60"), "cost_core_weekly": Decimal("60"),
              "cost_additional_support_weekly": Decimal("0")}, "total_weekly_cost"),
    ("W002", {"cost_education_weekly": Decimal("150000"), "total_weekly_cost": Decimal("151000")},
     "cost_education_weekly"),
    ("W003", {"siblings_placed_together": 3}, "siblings_placed_together"),
    ("W004", {"cost_core_weekly": Decimal("950")}, "total_weekly_cost"),
    ("W005", {"provider_urn": "ask the team"}, "provider_urn"),
]


@pytest.mark.parametrize("code,changes,field", ROW_RULES, ids=[r[0] for r in ROW_RULES])
def test_row_rule_fails_the_bad_row_only(assess, code, changes, field):
    a = assess([VALID, {**VALID, "child_id": "TST0002", **changes}])
    assert (code, 5, column_of(field)) in codes(a)
    assert not [f for f in a.findings if f.row == 4]  # the good row beside it raises nothing
    severity = load_contract().rules[code].severity
    if severity == "error":
        assert a.rows_accepted == 1 and a.status == "accepted"
    else:
        assert a.rows_accepted == 2 and code in a.accepted.iloc[1]["warning_codes"]


PASSING_VARIANTS = [
    ("R005", {"placement_location": "bs10"}),
    ("R006", {"additional_support": ["Other"], "additional_support_other": "Night waking support"}),
    ("R007", {k: None for k in ["total_weekly_cost", "placement_location", "is_location_preferred",
                                "is_education_continuous", "provider_urn", "siblings_placed_together",
                                "placement_type", "cost_core_weekly", "cost_additional_support_weekly",
                                "cost_education_weekly", "cost_other_weekly", "placement_date", "cost_date"]}),
    ("W005", {"provider_urn": "Unregistered"}),
    ("R009", {"placement_date": VALID["referral_date"]}),
]


@pytest.mark.parametrize("code,changes", PASSING_VARIANTS, ids=[r[0] for r in PASSING_VARIANTS])
def test_accepted_variants_raise_nothing(assess, code, changes):
    a = assess([{**VALID, **changes}])
    assert a.findings == [] and a.rows_accepted == 1


def test_r011_duplicate_referral_flags_the_later_copy(assess):
    a = assess([VALID, VALID, {**VALID, "child_id": "TST0009"}])
    assert ("R011", 5, column_of("child_id")) in codes(a)
    assert not [f for f in a.findings if f.row in (4, 6)]
    assert a.rows_accepted == 2


def test_f001_unreadable(tmp_path, gate):
    (tmp_path / "x.xlsx").write_bytes(b"garbage")
    a = assess_file(tmp_path / "x.xlsx", "933", load_contract(), gate, Settings(home=tmp_path))
    assert a.status == "rejected" and a.findings[0].code == "F001"


def test_f002_unknown_la(assess):
    a = assess([VALID], la="999")
    assert a.status == "rejected" and a.findings[0].code == "F002"


def test_f003_not_the_standard(tmp_path, gate):
    (tmp_path / "x.csv").write_text("name,amount\nA,1\n")
    a = assess_file(tmp_path / "x.csv", "933", load_contract(), gate, Settings(home=tmp_path))
    assert a.status == "rejected" and a.findings[0].code == "F003"


def test_f004_missing_required_columns(tmp_path, gate):
    (tmp_path / "x.csv").write_text("Child ID,Placement Type\nA,Foster\n")
    a = assess_file(tmp_path / "x.csv", "933", load_contract(), gate, Settings(home=tmp_path))
    assert a.status == "rejected" and a.findings[0].code == "F004"


def test_f005_no_data_rows(assess):
    a = assess([])
    assert a.status == "rejected" and a.findings[0].code == "F005"


def test_f006_too_large(tmp_path, gate):
    path = write_template_rows(tmp_path / "r.xlsx", [VALID])
    a = assess_file(path, "933", load_contract(), gate, Settings(home=tmp_path, limits=Limits(max_file_bytes=100)))
    assert a.status == "rejected" and a.findings[0].code == "F006"


def test_f007_mostly_bad_rows_reject_the_file(assess):
    a = assess([VALID] + [{**VALID, "child_id": f"B{i}", "placement_type": "??"} for i in range(3)])
    assert a.status == "rejected" and a.findings[0].code == "F007" and a.rows_accepted == 0
    assert {f.row for f in a.findings if f.code == "R003"} == {5, 6, 7}


def test_every_rule_in_the_catalogue_is_tested():
    tested = {r[0] for r in ROW_RULES} | {"R011", "F001", "F002", "F003", "F004", "F005", "F006", "F007"}
    tested |= {"F008", "F009"}  # tests/unit/test_hostile_files.py, tests/e2e/test_hostile_night.py
    assert set(load_contract().rules) == tested


def test_findings_never_echo_values(assess):
    secret = "SECRET-CHILD-42"
    a = assess([{**VALID, "child_id": secret, "placement_type": secret, "additional_support_other": secret}])
    assert a.findings and not any(secret in f.message for f in a.findings)
