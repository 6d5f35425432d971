"""The Dagster instance in PostgreSQL (dagster-postgres) when PLACEMENTS_DAGSTER_PG_URL is set: a run made
by one process is recorded in the database, where a webserver or daemon on another host would read it."""

import os
import subprocess
import sys
import textwrap

import psycopg2
import pytest

from tests.conftest import fresh_database

pytestmark = pytest.mark.e2e

RUN_RETENTION = textwrap.dedent("""
    from orchestration.environment import prepare_process
    prepare_process()
    from dagster import DagsterInstance
    from orchestration.definitions import defs
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("retention_job").execute_in_process(instance=instance)
        print(type(instance.run_storage).__name__, result.run_id, result.success)
""")


def test_runs_are_recorded_in_postgresql(home, postgres):
    url = fresh_database(postgres).replace(f"{postgres.admin}@", f"{postgres.admin}:{postgres.password}@")
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "PLACEMENTS_DAGSTER_STORAGE"}}
    done = subprocess.run([sys.executable, "-c", RUN_RETENTION], env={**env, "PLACEMENTS_DAGSTER_PG_URL": url},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    storage, run_id, success = done.stdout.split()[-3:]
    assert storage == "PostgresRunStorage" and success == "True"
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", [run_id])
        assert cur.fetchone() == ("SUCCESS",)
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", [run_id])
        assert cur.fetchone()[0] > 5
    assert not (home / "dagster" / "history").exists()  # nothing in the SQLite instance
