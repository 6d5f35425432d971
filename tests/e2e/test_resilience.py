"""The warehouse holds: identifiers encrypted at rest, one run at a time, a changed key stopped, a
rotation that never mixes pseudonyms, and an erasure that survives resubmission and an archive reload.

One small region, run with the `placements` command as an operator would; the tests run in order."""

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from ingest.settings import PROJECT_ROOT, Settings
from synthetic.generator import generate_region
from tests.conftest import TEST_KEY, TEST_STORAGE_KEY
from tests.helpers import open_wh
from warehouse.security.encryption import read_sealed
from warehouse.security.pseudonymise import key_version, pseudonym
from warehouse.storage.archive import originals

pytestmark = pytest.mark.e2e
PLACEMENTS = [sys.executable, "-m", "orchestration.cli"]
NEW_KEY = "the-region-s-new-pseudonymisation-key-2027"
IDENTIFYING = ["child_id", "referral_officer_name", "placement_officer_name", "cost_officer_name", "risk_other",
               "risk_to_others_other", "out_of_la_reason_other", "communication_requirements_other"]


def _env(home, **extra):
    return {**os.environ, "PLACEMENTS_HOME": str(home), "PLACEMENTS_PSEUDONYMISATION_KEY": TEST_KEY,
            "PLACEMENTS_STORAGE_KEY": TEST_STORAGE_KEY, "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster"),
            "DAGSTER_HOME": str(PROJECT_ROOT), "PLACEMENTS_LOCK_WAIT_SECONDS": "0", **extra}


def _placements(env, *args, timeout=600):
    return subprocess.run([*PLACEMENTS, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    home = tmp_path_factory.mktemp("resilience") / "data"
    region = generate_region(home / "landing", seed=21, las=("840", "391"), first_year=2025, quarters=2,
                             referrals_per_quarter=6, messy=True, today=dt.date(2026, 1, 1))
    originals_copy = tmp_path_factory.mktemp("originals")
    for path in region.files:
        shutil.copy(path, originals_copy / f"{path.parent.name}_{path.name}")
    env = _env(home)
    first = _placements(env, "run")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    with pytest.MonkeyPatch.context() as mp:  # this process reads the warehouse too
        mp.setenv("PLACEMENTS_STORAGE_KEY", TEST_STORAGE_KEY)
        yield {"home": home, "region": region, "env": env, "originals": originals_copy}


def _identifiers(region) -> set[bytes]:
    records = region.records
    values = {str(v) for c in IDENTIFYING if c in records for v in records[c].dropna()}
    assert len(values) > 20
    return {v.encode() for v in values}


def test_no_identifier_is_in_any_byte_under_the_data_root(night):
    secrets = _identifiers(night["region"])
    scanned = 0
    for path in night["home"].rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found = [s.decode() for s in secrets if s in data]
            assert not found, f"{path} holds {found[:3]}"
            scanned += 1
    assert scanned > 30 and (night["home"] / "warehouse" / "warehouse.duckdb").exists()
    with pytest.raises(duckdb.Error, match="encrypted"):  # not even opened without the key
        duckdb.connect(str(night["home"] / "warehouse" / "warehouse.duckdb"), read_only=True)


def test_a_run_without_the_storage_key_refuses(night, tmp_path):
    env = {k: v for k, v in _env(tmp_path / "fresh").items() if k != "PLACEMENTS_STORAGE_KEY"}
    result = _placements(env, "run")
    assert result.returncode == 2 and "PLACEMENTS_STORAGE_KEY" in result.stderr and "Traceback" not in result.stderr


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from warehouse.storage.lock import exclusive
    with exclusive(Path(sys.argv[1]), "placements run (held by the test)"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def test_while_one_run_holds_the_data_root_every_other_writer_exits_3_naming_it(night, tmp_path):
    home = night["home"]
    (tmp_path / "old.key").write_text(TEST_KEY)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home), "60"], env=night["env"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for args in (["run"], ["forget", "--la", "840", "--child", "X1"], ["retention"],
                     ["rotate-key", "--old-key-file", str(tmp_path / "old.key")]):
            started = time.monotonic()
            result = _placements(night["env"], *args)
            assert result.returncode == 3, (args, result.stdout, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "placements run (held by the test)" in lines[0]
            assert f"process {holder.pid}" in lines[0] and "since" in lines[0]
            assert time.monotonic() - started < 30
        # a sensor or scheduled run (the Dagster job) fails naming it too, after its own wait
        from dagster import DagsterInstance

        from orchestration.definitions import defs

        with pytest.MonkeyPatch.context() as mp:
            for k, v in night["env"].items():
                mp.setenv(k, v)
            with DagsterInstance.ephemeral() as instance:
                result = defs.resolve_job_def("nightly_run").execute_in_process(
                    instance=instance, raise_on_error=False,
                    run_config={"resources": {"run_lock": {"config": {"wait_seconds": 1}}}})
        assert not result.success
        failure = next(e for e in result.all_events if e.is_failure)
        assert "placements run (held by the test)" in str(failure.event_specific_data)
    finally:
        holder.kill()
        holder.wait()


def test_two_runs_started_at_once_on_a_new_data_root_never_race(night, tmp_path):
    home = tmp_path / "new"
    shutil.copy(next(night["originals"].glob("840_*.xlsx")), tmp_path / "q.xlsx")
    (home / "landing" / "840").mkdir(parents=True)
    shutil.move(tmp_path / "q.xlsx", home / "landing" / "840" / "q.xlsx")
    env = _env(home)
    runs = [subprocess.Popen([*PLACEMENTS, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    finished = [p.communicate(timeout=600) for p in runs]
    outcomes = sorted((p.returncode, err) for p, (_, err) in zip(runs, finished, strict=True))
    assert [code for code, _ in outcomes] == [0, 3], finished
    assert "Traceback" not in outcomes[0][1] + outcomes[1][1]
    assert len(outcomes[1][1].strip().splitlines()) == 1 and "placements run" in outcomes[1][1]


def test_a_different_key_stops_the_run_before_intake(night):
    home = night["home"]
    arrived = home / "landing" / "840" / "late.xlsx"
    shutil.copy(next(night["originals"].glob("840_*.xlsx")), arrived)
    result = _placements({**night["env"], "PLACEMENTS_PSEUDONYMISATION_KEY": NEW_KEY}, "run")
    assert result.returncode == 2 and "not the one this warehouse was built with" in result.stderr
    assert key_version(NEW_KEY.encode()) in result.stderr and NEW_KEY not in result.stderr + result.stdout
    assert arrived.exists()  # nothing read or moved
    arrived.unlink()


def test_rotate_key_rekeys_every_pseudonym_and_the_next_publish_carries_the_new_version(night, tmp_path):
    old_file = tmp_path / "old.key"
    old_file.write_text(TEST_KEY)
    env = {**night["env"], "PLACEMENTS_PSEUDONYMISATION_KEY": NEW_KEY}
    rotated = _placements(env, "rotate-key", "--old-key-file", str(old_file))
    assert rotated.returncode == 0, rotated.stderr
    night["env"] = env  # from now on the region's key is the new one
    with open_wh(night["home"]) as con:
        audit = con.execute("SELECT action, key_version, replaced_version FROM audit.pseudonymisation_keys "
                            "ORDER BY recorded_at").fetchall()
    old_version, new_version = key_version(TEST_KEY.encode()), key_version(NEW_KEY.encode())
    assert audit[-1] == ("rotated", new_version, old_version)
    assert not any(TEST_KEY in str(v) or NEW_KEY in str(v) for row in audit for v in row)
    run = _placements(env, "run")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    records = night["region"].records
    expected_new = {pseudonym(NEW_KEY.encode(), la, c.strip().upper()) for la, c in
                    zip(records["la_code"], records["child_id"], strict=True)}
    expected_old = {pseudonym(TEST_KEY.encode(), la, c.strip().upper()) for la, c in
                    zip(records["la_code"], records["child_id"], strict=True)}
    with duckdb.connect(str(night["home"] / "published" / "placements.duckdb"), read_only=True) as con:
        versions = {v for (v,) in con.execute("SELECT DISTINCT child_key_version FROM fct_referrals").fetchall()}
        keys = {k for (k,) in con.execute("SELECT child_key FROM fct_referrals").fetchall()}
    assert versions == {new_version}
    assert keys and keys <= expected_new and not keys & expected_old  # never mixed


def test_forget_holds_against_a_resubmission_and_a_rebuild_from_the_archive(night, tmp_path):
    home, env, records = night["home"], night["env"], night["region"].records
    la = "391"
    eligible = (records["la_code"] == la) & records["placement_type"].notna() & ~records["expect_rejected"].eq(True)
    child = records[eligible].iloc[0]["child_id"]
    rows_of_child = int(((records["la_code"] == la) & (records["child_id"] == child)).sum())
    forgot = _placements(env, "forget", "--la", la, "--child", child.lower())
    assert forgot.returncode == 0, forgot.stderr
    settings = Settings(home=home)
    storage_key = TEST_STORAGE_KEY.encode()
    for folder in (settings.archive, settings.quarantine):
        for stored in originals(folder, la):
            assert child.encode() not in read_sealed(stored.path, storage_key)

    # the LA sends the child again, in a new file: dropped and counted, never loaded
    original = next(night["originals"].glob(f"{la}_*.csv"))
    resent = home / "landing" / la / "resent.csv"
    resent.write_bytes(original.read_bytes() + b"\n")
    run = _placements(env, "run")
    assert run.returncode == 0, run.stderr[-2000:]
    with open_wh(home) as con:
        assert con.execute("SELECT count(*) FROM raw.placements WHERE child_id = ?", [child]).fetchone()[0] == 0
        erased = con.execute("SELECT rows_erased FROM raw.submissions WHERE file_name = 'resent.csv'").fetchone()
    assert erased == (1,)
    report = next((home / "reports" / la).glob("resent.*.html")).read_text()
    assert "erased on request" in report and child not in report

    # the warehouse is lost and rebuilt from the archive: the child stays out, every other row comes back
    with open_wh(home) as con:
        before = con.execute("SELECT count(*) FROM raw.placements WHERE la_code = ?", [la]).fetchone()[0]
    (home / "warehouse" / "warehouse.duckdb").unlink()
    shutil.rmtree(home / "published")
    reloaded = _placements(env, "reload")
    assert reloaded.returncode == 0, reloaded.stderr
    rebuilt = _placements(env, "run")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    key = pseudonym(NEW_KEY.encode(), la, child.strip().upper())
    with open_wh(home) as con:
        assert con.execute("SELECT count(*) FROM raw.placements WHERE child_id = ?", [child]).fetchone()[0] == 0
        loaded = con.execute("SELECT count(*) FROM raw.placements WHERE la_code = ?", [la]).fetchone()[0]
    with duckdb.connect(str(home / "published" / "placements.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM fct_referrals WHERE child_key = ?", [key]).fetchone()[0] == 0
    assert loaded == before and rows_of_child >= 1
