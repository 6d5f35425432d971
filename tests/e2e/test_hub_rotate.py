"""Key rotation on the PostgreSQL warehouse: every stored pseudonym re-keyed in one transaction, and the
next run publishes only the new ones (the DuckDB profile's own test is in test_resilience.py)."""

import duckdb
import pytest

from ingest.settings import PROJECT_ROOT
from tests.conftest import TEST_KEY, use_hub_database
from tests.helpers import VALID, open_wh, run_nightly, write_template_rows

pytestmark = pytest.mark.e2e
NEW_KEY = "the-region-s-new-key-for-the-hub-test-0123456789"


def _run():
    result = run_nightly()
    assert result.success


def test_rotate_key_on_postgresql(home, postgres, monkeypatch):
    from warehouse.security.keys import rotate
    from warehouse.security.pseudonymise import key_version, pseudonym

    use_hub_database(postgres, monkeypatch)
    monkeypatch.setenv("DAGSTER_HOME", str(PROJECT_ROOT))
    monkeypatch.setenv("PLACEMENTS_DAGSTER_STORAGE", str(home / "dagster"))
    (home / "landing" / "840").mkdir(parents=True)
    write_template_rows(home / "landing" / "840" / "q2.xlsx", [{**VALID, "child_id": "ROT1"},
                                                              {**VALID, "child_id": "ROT2"}])
    _run()
    with open_wh(home, read_only=False) as con:
        result = rotate(con, TEST_KEY.encode(), NEW_KEY.encode())
        keys = {k for (k,) in con.execute("SELECT child_key FROM staging.stg_placements").fetchall()}
    assert result.pseudonyms > 0
    assert keys == {pseudonym(NEW_KEY.encode(), "840", c) for c in ("ROT1", "ROT2")}
    monkeypatch.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", NEW_KEY)
    _run()
    with duckdb.connect(str(home / "published" / "placements.duckdb"), read_only=True) as con:
        published = con.execute("SELECT DISTINCT child_key, child_key_version FROM fct_referrals").fetchall()
    assert sorted(published) == sorted((pseudonym(NEW_KEY.encode(), "840", c), key_version(NEW_KEY.encode()))
                                       for c in ("ROT1", "ROT2"))
