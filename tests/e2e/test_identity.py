"""One definition of a referral's identity: ` abc1` and `ABC1` are one child at the gate, in the marts
and for erasure."""

import shutil
from decimal import Decimal

import duckdb
import pytest

from ingest.settings import PROJECT_ROOT
from tests.helpers import VALID, open_wh, run_nightly, write_template_rows
from warehouse.storage.database import open_warehouse

pytestmark = pytest.mark.e2e


def _run():
    result = run_nightly()
    assert result.success


def test_one_child_one_referral_everywhere_and_forget_erases_every_spelling(home, monkeypatch, tmp_path,
                                                                            warehouse_profile):
    from warehouse.erasure import forget_child
    from warehouse.security.pseudonymise import load_key, pseudonym

    monkeypatch.setenv("DAGSTER_HOME", str(PROJECT_ROOT))
    monkeypatch.setenv("PLACEMENTS_DAGSTER_STORAGE", str(home / "dagster"))
    landing = home / "landing" / "840"
    landing.mkdir(parents=True)
    first = [{**VALID, "child_id": "abc1"}, {**VALID, "child_id": " ABC1 "},  # the same referral twice
             {**VALID, "child_id": "OTHER7"}]
    write_template_rows(landing / "q2.xlsx", first)
    _run()
    with open_wh(home) as con:
        assert con.execute("SELECT DISTINCT child_id FROM raw.placements ORDER BY 1").fetchall() == [
            ("ABC1",), ("OTHER7",)]
        refused = con.execute("SELECT rows_rejected FROM raw.submissions").fetchone()[0]
    assert refused == 1  # R011 at the gate: the second spelling is a duplicate of the first
    assert "R011" in next((home / "reports" / "840").glob("*.csv")).read_text()

    shutil.copy(write_template_rows(tmp_path / "c.xlsx", [{**VALID, "child_id": " Abc1",
                                                            "total_weekly_cost": Decimal("950.00"),
                                                            "cost_additional_support_weekly": Decimal("150.00")}]),
                landing / "q2-corrected.xlsx")
    _run()
    key = pseudonym(load_key(), "840", "ABC1")
    with duckdb.connect(str(home / "published" / "placements.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT total_weekly_cost FROM fct_referrals WHERE child_key = ?", [key]).fetchall()
    assert rows == [(Decimal("950.00"),)]  # one referral in the marts, the corrected version

    result = forget_child(load_settings(home), "840", "abc1 ")
    assert result.raw_rows == 2 and result.warehouse_rows > 0
    with open_wh(home) as con:
        assert con.execute("SELECT count(*) FROM raw.placements WHERE child_id = 'ABC1'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM marts.fct_referrals WHERE child_key = ?", [key]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM raw.placements").fetchone()[0] == 1  # OTHER7 stays


def load_settings(home):
    from ingest.settings import load_settings as load

    settings = load()
    assert settings.home == home.resolve()
    return settings


def test_a_failed_forget_changes_nothing(home, monkeypatch, warehouse_profile):
    from warehouse import erasure
    from warehouse.load import run_intake

    landing = home / "landing" / "840"
    landing.mkdir(parents=True)
    write_template_rows(landing / "q2.xlsx", [{**VALID, "child_id": "abc1"}])
    settings = load_settings(home)
    assert run_intake(settings).count("accepted") == 1

    def broken_audit(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(erasure, "_audit", broken_audit)
    with pytest.raises(OSError):
        erasure.forget_child(settings, "840", "ABC1")
    with open_warehouse(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.placements").fetchone()[0] == 1
