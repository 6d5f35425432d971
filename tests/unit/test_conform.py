import datetime as dt
from decimal import Decimal

import pytest

from ingest.intake.conform import (
    FileRejected,
    column_letter,
    conform_table,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_money,
)
from ingest.intake.readers import RawTable
from ingest.standard.contract import load_contract


@pytest.mark.parametrize(
    "cell,expected",
    [("03/04/2024", dt.date(2024, 4, 3)), ("3/4/24", dt.date(2024, 4, 3)), ("2024-04-03", dt.date(2024, 4, 3)),
     (45385, dt.date(2024, 4, 3)), ("45385", dt.date(2024, 4, 3)), ("3 Apr 2024", dt.date(2024, 4, 3)),
     (dt.datetime(2024, 4, 3, 10, 0), dt.date(2024, 4, 3)), (None, None)],
)
def test_dates_are_read_day_first(cell, expected):
    assert parse_date(cell) == (expected, None)


@pytest.mark.parametrize("cell", ["31/02/2024", "next week", 12, "13/13/2024"])
def test_unreadable_dates_are_a_problem_not_a_crash(cell):
    value, problem = parse_date(cell)
    assert value is None and problem


@pytest.mark.parametrize(
    "cell,expected",
    [("£1,234.50", Decimal("1234.50")), (" 1234.5 ", Decimal("1234.50")), (980, Decimal("980.00")),
     (4500.0, Decimal("4500.00")), ("£ 12,000", Decimal("12000.00"))],
)
def test_money(cell, expected):
    assert parse_money(cell) == (expected, None)


@pytest.mark.parametrize("cell,expected", [("Y", True), ("yes", True), ("TRUE", True), (1, True), ("N", False),
                                           ("No", False), ("false", False), ("0", False), ("", None)])
def test_booleans(cell, expected):
    assert parse_boolean(cell) == (expected, None)


def test_integers_accept_na_as_zero_siblings():
    assert parse_integer("NA") == (0, None)
    assert parse_integer(2.0) == (2, None)
    assert parse_integer("2.5")[1]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 43)] == ["A", "Z", "AA", "AR"]


def _v2_table(rows):
    headers = [f.label for f in load_contract().version("v2").fields]
    return RawTable("csv", headers, [(i + 2, r) for i, r in enumerate(rows)])


def test_conform_maps_spellings_inverts_education_and_marks_not_collected():
    contract = load_contract()
    v2 = contract.version("v2")
    values = {
        "needed_by": "in less than 5 days", "living_companions": "Only With Other younger children",
        "pets": "Yes-must", "is_education_continuous": "Y", "communication_requirements": "ESOL; BSL",
        "placement_type": " Supported accomodation ",
    }
    row = [values.get(f.name) for f in v2.fields]
    conformed = conform_table(contract, _v2_table([row]))
    record = conformed.frame.iloc[0]
    assert record["needed_by"] == "Within 5 days"
    assert record["living_companions"] == "Only with other younger children"
    assert record["pets"] == "Yes - must"
    assert not record["is_education_continuous"] and record["is_education_continuous"] is not None
    assert record["communication_requirements"] == ["BSL", "ESOL"]
    assert record["placement_type"] == "Supported Accommodation"
    assert "cost_core_weekly" in conformed.not_collected
    assert "needed_by" not in conformed.not_collected


def test_missing_required_columns_reject_the_file_naming_them():
    contract = load_contract()
    table = RawTable("csv", ["Child ID", "Placement Type"], [(2, ["A1", "Foster"])])
    with pytest.raises(FileRejected) as err:
        conform_table(contract, table)
    assert err.value.code == "F004"
    assert "Risk to child: Self-harm" in err.value.message


@pytest.mark.parametrize("cell,urn,registration", [
    ("sc 123456", "SC123456", "Registered"),
    (" unregistered ", "Unregistered", "Unregistered"),
    ("ask the team", "ASKTHETEAM", None),  # malformed: kept as sent (upper case), provider unknown, W005 warns
    ("SC12", "SC12", None),
    (None, None, None),
])
def test_provider_urn_is_normalised_and_a_malformed_one_is_an_unknown_provider(cell, urn, registration):
    from ingest.standard import identity

    assert identity.provider_urn(cell) == urn
    assert identity.provider_registration(urn) == registration


def test_one_definition_of_a_well_formed_urn_for_conform_and_rule_w005():
    from ingest.standard import identity

    pattern = load_contract().rules["W005"].args.pattern
    assert pattern == f"^{identity.OFSTED_URN.pattern}$|^{identity.UNREGISTERED}$"
