"""The Dagster instance's SQLite storage with its event log kept open (orchestration/instance_storage.py):
what it writes is Dagster's own layout, read back by Dagster's own storage class, and it is what
dagster.yaml configures."""

import logging
import time

from dagster import DagsterInstance
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage

from ingest.settings import PROJECT_ROOT
from orchestration.instance_storage import KeptSqliteEventLogStorage


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level=logging.INFO, user_message=message, run_id=run_id,
                         timestamp=time.time())


def test_the_instance_writes_what_dagsters_own_storage_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(PROJECT_ROOT))
    monkeypatch.setenv("PLACEMENTS_DAGSTER_STORAGE", str(tmp_path))
    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, KeptSqliteEventLogStorage)
        for run in ("run-a", "run-b"):
            for n in range(3):
                instance.event_log_storage.store_event(_entry(run, f"{run} {n}"))
        assert [e.user_message for e in instance.all_logs("run-a")] == ["run-a 0", "run-a 1", "run-a 2"]
    plain = DagsterSqliteStorage.from_local(str(tmp_path)).event_log_storage
    assert type(plain).__name__ == "SqliteEventLogStorage"
    assert [e.user_message for e in plain.get_logs_for_run("run-b")] == ["run-b 0", "run-b 1", "run-b 2"]


def test_only_the_latest_files_stay_open(tmp_path):
    storage = KeptSqliteEventLogStorage(str(tmp_path))
    for n in range(12):
        storage.store_event(_entry(f"run-{n}", "x"))
    assert len(storage._engines) <= 8
    assert [e.user_message for e in storage.get_logs_for_run("run-0")] == ["x"]  # reopened on demand
    storage.dispose()
