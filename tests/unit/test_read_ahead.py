"""The backfill's assessor processes: results come back in landing order, in tasks bounded by size."""

from pathlib import Path

from ingest.settings import Settings
from warehouse import load


def _files(folder: Path, count: int) -> list[tuple[Path, str, str]]:
    """Files from a folder that is no LA: each is refused (F002) without being read, quickly."""
    files = []
    for i in range(count):
        path = folder / f"return-{i:03d}.csv"
        path.write_text("x" * (i + 1), encoding="utf-8")
        files.append((path, "not-an-la", f"{i:064d}"))
    return files


def test_worker_processes_return_every_file_in_landing_order(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "TASK_BYTES", 100)  # several tasks, so several processes answer
    files = _files(tmp_path, 40)
    with load._assessors(files) as assessed:
        results = list(assessed(files, Settings(home=tmp_path)))
    assert len(results) > 2 and sum(count for count, _ in results) == 40
    names = [a.file_name for _, assessments in results for a in assessments]
    assert names == [p.name for p, _, _ in files]
    assert {a.findings[0].code for _, assessments in results for a in assessments} == {"F002"}


def test_tasks_hold_consecutive_files_up_to_the_byte_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "TASK_BYTES", 10)
    files = _files(tmp_path, 6)  # 1, 2, ... 6 bytes
    assert [[p.name[-7:-4] for p, _, _ in task] for task in load._tasks(files)] == [
        ["000", "001", "002", "003"], ["004"], ["005"]]  # a file larger than what is left starts a task


def test_a_few_files_are_assessed_in_process(tmp_path):
    files = _files(tmp_path, 3)
    with load._assessors(files) as assessed:
        results = list(assessed(files, Settings(home=tmp_path)))
    assert [count for count, _ in results] == [3]
