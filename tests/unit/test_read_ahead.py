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


def test_files_started_ahead_are_gated_in_the_process_that_loaded_great_expectations(tmp_path, monkeypatch):
    import datetime as dt

    from synthetic.generator import generate_region

    region = generate_region(tmp_path / "landing", seed=5, las=("840",), first_year=2025, quarters=1,
                             referrals_per_quarter=5, messy=False, today=dt.date(2026, 1, 1))
    files = [(path, "840", f"{i:064d}") for i, path in enumerate(region.files)]
    monkeypatch.setattr(load, "_GATE", [])
    with load.start_assessors():
        with load._assessors(files) as assessed:
            results = list(assessed(files, Settings(home=tmp_path)))
    assert [a.status for _, assessments in results for a in assessments] == ["accepted"] * len(files)
    assert load._GATE == [] and load._WARM == []  # gated over there; the process is gone once used


def _packages_loaded() -> set[str]:
    import sys

    return {name.split(".")[0] for name, module in sys.modules.items() if module is not None}


def test_an_assessor_gates_without_the_packages_only_other_parts_use(tmp_path):
    """Great Expectations imports every cloud SDK and SQLAlchemy it finds installed; an assessor, which
    validates files already in local landing, has none of them loaded, and its gate still judges a file."""
    import shutil

    from tests.helpers import VALID, write_template_rows

    landing = tmp_path / "landing" / "840"
    landing.mkdir(parents=True)
    good = write_template_rows(landing / "q1.xlsx", [VALID])
    with load._pool() as pool:
        loaded = pool.submit(_packages_loaded).result()
        [assessment] = pool.submit(load.assess_files, [(good, "840", "0" * 64)], Settings(home=tmp_path)).result()
    assert not loaded & set(load.NOT_FOR_ASSESSORS), loaded & set(load.NOT_FOR_ASSESSORS)
    assert "great_expectations" in loaded
    assert assessment.status == "accepted" and assessment.rows_accepted == 1, assessment.findings
    shutil.rmtree(landing)
