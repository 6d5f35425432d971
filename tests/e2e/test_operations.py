"""Unattended operation: gates before publish, readers during publish, the landing sensor, status,
erasure and retention."""

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time

import dagster as dg
import duckdb
import pytest

from ingest.settings import PROJECT_ROOT, load_settings
from synthetic.generator import generate_region
from tests.conftest import TEST_KEY, TEST_STORAGE_KEY
from tests.helpers import open_wh, unsealed
from warehouse.storage.database import open_warehouse

pytestmark = pytest.mark.e2e
PLACEMENTS = [sys.executable, "-m", "orchestration.cli"]


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A night: one accepted, one rejected and one duplicate file, run with `placements run`."""
    home = tmp_path_factory.mktemp("ops") / "data"
    env = {**os.environ, "PLACEMENTS_HOME": str(home), "PLACEMENTS_PSEUDONYMISATION_KEY": TEST_KEY,
           "PLACEMENTS_STORAGE_KEY": TEST_STORAGE_KEY,
           "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster"), "DAGSTER_HOME": str(PROJECT_ROOT)}
    with pytest.MonkeyPatch.context() as mp:
        for k in ("PLACEMENTS_HOME", "PLACEMENTS_PSEUDONYMISATION_KEY", "PLACEMENTS_STORAGE_KEY",
                  "PLACEMENTS_DAGSTER_STORAGE", "DAGSTER_HOME"):
            mp.setenv(k, env[k])
        region = generate_region(home / "landing", seed=5, las=("840",), first_year=2025, quarters=2,
                                 referrals_per_quarter=12, messy=False, today=dt.date(2026, 1, 1))
        first, second = region.files
        shutil.move(str(second), home / "second.xlsx")  # held back: arrives on a later night
        (home / "landing" / "840" / "notes.csv").write_text("meeting notes,not a return\n1,2\n")
        first_run = subprocess.run([*PLACEMENTS, "run"], env=env, capture_output=True, text=True, timeout=600)
        assert first_run.returncode == 0, first_run.stdout + first_run.stderr
        archived = next((home / "archive" / "840").glob("*.xlsx"))
        (home / "landing" / "840" / "resent.xlsx").write_bytes(unsealed(archived))  # duplicate
        shutil.move(home / "second.xlsx", home / "landing" / "840" / second.name)  # accepted
        (home / "landing" / "840" / "broken.xlsx").write_bytes(b"not a workbook")  # rejected
        night_run = subprocess.run([*PLACEMENTS, "run"], env=env, capture_output=True, text=True, timeout=600)
        status = subprocess.run([*PLACEMENTS, "status"], env=env, capture_output=True, text=True, timeout=300)
        yield {"home": home, "env": env, "region": region, "run": night_run, "status": status, "mp": mp}


def test_run_prints_what_happened(night):
    out = night["run"].stdout
    assert night["run"].returncode == 0, out + night["run"].stderr
    assert "Files: 1 accepted, 1 rejected, 1 duplicate" in out
    assert "broken.xlsx" in out and "resent.xlsx" in out
    log = night["run"].stderr + out
    # a repeat is settled from its hash, unread; the files read are numbered
    assert "resent.xlsx: duplicate" in log and "intake [1/2]" in log and "intake [2/2]" in log


def test_status_lists_runs_waiting_files_and_quarantine(night):
    out = night["status"].stdout
    assert night["status"].returncode == 0, out + night["status"].stderr
    assert out.count("nightly_run") >= 2 and "SUCCESS" in out
    assert "Waiting in landing: 0" in out
    assert "840/broken.xlsx" in out
    assert "notes.csv" not in out  # rejected before the LA's last accepted submission


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_dbt_test_publishes_nothing(night):
    from orchestration.definitions import defs

    published = night["home"] / "published" / "placements.duckdb"
    before = _sha(published)
    with open_wh(night["home"], read_only=False) as con:
        # a row for an LA that does not exist: the relationships test on stg_placements fails
        con.execute("""INSERT INTO raw.placements BY NAME
                       SELECT * REPLACE ('999' AS la_code, 'broken-test-row' AS submission_id)
                       FROM raw.placements LIMIT 1""")
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("nightly_run").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    assert _sha(published) == before
    with open_wh(night["home"], read_only=False) as con:
        con.execute("DELETE FROM raw.placements WHERE submission_id = 'broken-test-row'")
        verdict = con.execute("SELECT success FROM audit.dbt_builds WHERE run_id = ?", [result.run_id]).fetchone()
    assert verdict == (False,)


def test_the_contract_test_names_each_broken_rule_and_publishes_nothing(night):
    """stg_placements' one conforms_to_contract test: a value outside its vocabulary (a column and a list
    column) and a required field missing are three rules broken, counted, with no value shown."""
    import json

    from orchestration.definitions import defs

    published = night["home"] / "published" / "placements.duckdb"
    before = _sha(published)
    with open_wh(night["home"], read_only=False) as con:
        con.execute("""INSERT INTO raw.placements BY NAME
                       SELECT * REPLACE ('Next week' AS needed_by, ['Semaphore'] AS communication_requirements,
                                         NULL AS cultural_needs, 'broken-contract-row' AS submission_id)
                       FROM raw.placements LIMIT 2""")
    try:
        with dg.DagsterInstance.get() as instance:
            result = defs.resolve_job_def("nightly_run").execute_in_process(instance=instance,
                                                                             raise_on_error=False)
    finally:
        with open_wh(night["home"], read_only=False) as con:
            con.execute("DELETE FROM raw.placements WHERE submission_id = 'broken-contract-row'")
    assert not result.success and _sha(published) == before
    results = json.loads((night["home"] / "dbt" / "target" / "run_results.json").read_text())["results"]
    contract = next(r for r in results if r["unique_id"].startswith("test.placements.conforms_to_contract"))
    assert (contract["status"], contract["failures"]) == ("fail", 3)
    assert "Next week" not in json.dumps(contract) and "Semaphore" not in json.dumps(contract)


def test_a_reader_keeps_working_across_a_publish(night):
    from orchestration.defs.publish import public_models
    from publish.analyst_file import publish

    settings = load_settings()
    reader = duckdb.connect(str(settings.published), read_only=True)
    before = reader.execute("SELECT count(*) FROM mart_sufficiency").fetchone()[0]
    with open_warehouse(settings) as con:
        con.execute("CREATE OR REPLACE TABLE marts.mart_sufficiency AS SELECT * FROM marts.mart_sufficiency LIMIT 1")
    errors, reads = [], []

    def keep_reading():
        while not done.is_set():
            try:
                reads.append(reader.execute("SELECT count(*) FROM mart_sufficiency").fetchone()[0])
            except Exception as exc:  # noqa: BLE001 - any failure of the reader is the finding
                errors.append(exc)
            time.sleep(0.01)

    done = threading.Event()
    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        publish(settings, run_id=None, relations=[relation for _, relation in public_models()])
    finally:
        done.set()
        thread.join()
    assert errors == [] and reads and set(reads) == {before}
    assert reader.execute("SELECT count(*) FROM mart_sufficiency").fetchone()[0] == before  # its snapshot
    reader.close()
    with duckdb.connect(str(settings.published), read_only=True) as fresh:
        assert fresh.execute("SELECT count(*) FROM mart_sufficiency").fetchone()[0] == 1


def test_forget_removes_a_child_everywhere_with_an_audit_entry_holding_no_identifier(night, tmp_path):
    from orchestration.defs.publish import PUBLIC
    from publish.top_up import open_analyst_file
    from warehouse.security.pseudonymise import load_key, pseudonym

    records = night["region"].records
    child = records.iloc[0]["child_id"]
    result = subprocess.run([*PLACEMENTS, "forget", "--la", "840", "--child", child], env=night["env"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert child not in result.stdout
    key = pseudonym(load_key(), "840", child)
    with open_wh(night["home"]) as con:
        assert con.execute("SELECT count(*) FROM raw.placements WHERE child_id = ?", [child]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM marts.fct_referrals WHERE child_key = ?", [key]).fetchone()[0] == 0
        audit = con.execute("SELECT * FROM audit.erasures").fetchall()
    assert audit and not any(child in str(v) or key in str(v) for row in audit for v in row)
    run = subprocess.run([*PLACEMENTS, "run"], env=night["env"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    with duckdb.connect(str(night["home"] / "published" / "placements.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM fct_referrals WHERE child_key = ?", [key]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM fct_referrals").fetchone()[0] == len(records) - 1
    # the run after the erasure wrote the analyst file in full: the child's rows are not in its free space
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["published", "placements"]))
    assert event.asset_materialization.metadata["topped_up"].data == []
    # a file written after the erasure may be carried over; one written before it may not
    settings, relations = load_settings(), [relation for _, relation in PUBLIC]
    for written_before, expected in ((False, {table for _, table in relations}), (True, set())):
        if written_before:
            hour_ago = time.time() - 3600
            os.utime(settings.published, (hour_ago, hour_ago))
        staging = tmp_path / f"next-{written_before}.duckdb"
        out, top_up = open_analyst_file(settings.warehouse, settings.published, staging, relations)
        with out:
            assert top_up == expected
            assert bool(out.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
                                    ).fetchone()[0]) == (not written_before)


def test_retention_removes_old_raw_rows_and_archived_files(night):
    from warehouse.erasure import apply_retention

    settings = load_settings()
    archived = [p for folder in (settings.archive, settings.quarantine) for p in folder.rglob("*")
                if p.is_file() and not p.name.endswith(".reason.txt")]
    result = apply_retention(settings, today=dt.date.today() + dt.timedelta(days=settings.retention_days + 1))
    assert result.files == len(archived) and result.raw_rows > 0
    with open_warehouse(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.placements").fetchone()[0] == 0


def test_landing_sensor_waits_for_complete_files_and_keys_runs_by_content(tmp_path, monkeypatch):
    from orchestration.defs.automation import landing_sensor
    from orchestration.defs.resources import PlacementsSettings

    home = tmp_path / "data"
    monkeypatch.setenv("PLACEMENTS_HOME", str(home))
    (home / "landing" / "840").mkdir(parents=True)
    path = home / "landing" / "840" / "q1.csv"
    path.write_text("Child ID\nA1\n")
    resources = {"placements": PlacementsSettings()}
    with dg.DagsterInstance.ephemeral() as instance:
        looked = dg.build_sensor_context(instance=instance, resources=resources, cursor=None)
        assert isinstance(landing_sensor(looked), dg.SkipReason)  # seen once: it may still be being written
        context = dg.build_sensor_context(instance=instance, resources=resources, cursor=looked.cursor)
        second = landing_sensor(context)
        assert isinstance(second, dg.RunRequest)
        third = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources, cursor=context.cursor))
        assert isinstance(third, dg.RunRequest) and third.run_key == second.run_key  # same content, same key
        path.write_text("Child ID\nA2\n")  # changed content: waits one look, then a new key
        changed = dg.build_sensor_context(instance=instance, resources=resources, cursor=context.cursor)
        assert isinstance(landing_sensor(changed), dg.SkipReason)
        again = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources, cursor=changed.cursor))
        assert again.run_key != second.run_key
        marker_file = home / "landing" / "840" / "q2.csv"
        marker_file.write_text("Child ID\nB1\n")
        (home / "landing" / "840" / "q2.csv.done").write_text("")
        fresh = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources, cursor=None))
        assert isinstance(fresh, dg.RunRequest)  # a .done marker means complete at the first look

