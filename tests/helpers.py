"""Test helpers: write returns the way LAs do, from canonical records."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from ingest.standard.contract import load_contract

VALID = {
    "child_id": "TST0001", "needed_by": "Within 5 days", "sibling_count": 1, "is_preferred_location_local": True,
    "communication_needs": "No", "communication_requirements": ["None"], "home_adaptation": False,
    "cultural_needs": "Not required", "living_companions": "No preference", "pets": "Yes - can",
    "additional_support": ["Not applicable"], "deprivation_of_liberty": False,
    "foster_suitability": "Preferred", "residential_suitability": "Suitable but not preferred",
    "supported_accommodation_suitability": "Unsuitable",
    **{r: "No known risk" for r in ["risk_self_harm", "risk_criminal_exploitation", "risk_drug_alcohol",
                                    "risk_eating_disorder", "risk_missing", "risk_to_others_physical",
                                    "risk_to_others_sexual", "risk_to_others_fire", "risk_to_others_animals",
                                    "risk_to_others_criminal"]},
    "cost_core_weekly": Decimal("800.00"), "cost_additional_support_weekly": Decimal("100.00"),
    "cost_education_weekly": Decimal("0.00"), "cost_other_weekly": Decimal("0.00"),
    "total_weekly_cost": Decimal("900.00"), "placement_location": "TA3", "is_location_preferred": True,
    "is_education_continuous": True, "provider_urn": "SC123456", "siblings_placed_together": 1,
    "placement_type": "Foster", "referral_officer_name": "Pat Example", "referral_date": dt.date(2025, 4, 2),
    "placement_officer_name": "Sam Example", "placement_date": dt.date(2025, 4, 9),
    "cost_date": dt.date(2025, 4, 9),
}


def template_fields(layout: str = "2026-06"):
    return load_contract().version("template-2026").layout_fields(layout)


def cell_value(f, value):
    if value is None:
        return None
    if f.canonical.type == "boolean":
        answer = (not value) if f.invert else value
        return "Yes" if answer else "No"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_template_rows(path: Path, records: list[dict], layout: str = "2026-06") -> Path:
    fields = template_fields(layout)
    wb = Workbook()
    ws = wb.active
    ws.title = "Data Collection"
    ws.append([f.canonical.section for f in fields])
    ws.append([f.headers[0] for f in fields])
    ws.append([f.canonical.description for f in fields])
    for record in records:
        ws.append([cell_value(f, record.get(f.name)) for f in fields])
    wb.save(path)
    return path


def column_of(field: str, layout: str = "2026-06") -> str:
    from ingest.intake.conform import column_letter

    return column_letter([f.name for f in template_fields(layout)].index(field))


def open_wh(home, read_only: bool = True):
    """The warehouse of a test's data root as the pipeline opens it: the encrypted DuckDB file, or the
    PostgreSQL database of PLACEMENTS_WAREHOUSE_URL when the test set one."""
    from ingest.settings import load_settings
    from warehouse.storage.database import open_warehouse

    return open_warehouse(load_settings().with_home(Path(home)), read_only=read_only)


def unsealed(path) -> bytes:
    """An archived or quarantined original, opened with the storage key of the test's environment."""
    from warehouse.security.encryption import load_storage_key, read_sealed

    return read_sealed(Path(path), load_storage_key())


def use_data_root(mp, home: Path) -> None:
    """Point a whole run at the data root `home`: the test keys, and the repo's Dagster instance with its
    state under `home` (as the CLI does)."""
    from ingest.settings import PROJECT_ROOT
    from tests.conftest import TEST_KEY, TEST_STORAGE_KEY

    mp.setenv("PLACEMENTS_HOME", str(home))
    mp.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", TEST_KEY)
    mp.setenv("PLACEMENTS_STORAGE_KEY", TEST_STORAGE_KEY)
    mp.setenv("PLACEMENTS_DAGSTER_STORAGE", str(home / "dagster"))
    mp.setenv("DAGSTER_HOME", str(PROJECT_ROOT))


def run_nightly():
    """The nightly job in process, on the real on-disk instance under the test's data root."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    with DagsterInstance.get() as instance:
        return defs.resolve_job_def("nightly_run").execute_in_process(instance=instance, raise_on_error=False)
