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


def _deferred_loaded() -> dict[str, bool]:
    import sys

    return {name: type(sys.modules.get(name)).__name__ == "module" for name in load.ON_FIRST_USE}


def _scipy_stats_used() -> tuple[float, bool]:
    """What a GX module that bound the stand-in of scipy.stats at import would get on first use."""
    import sys

    from scipy import stats

    return float(stats.norm.cdf(0.0)), type(sys.modules["scipy.stats"]).__name__ == "module"


def test_an_assessor_gates_without_the_packages_only_other_parts_use(tmp_path):
    """Great Expectations imports every cloud SDK and SQLAlchemy it finds installed; an assessor, which
    validates files already in local landing, has none of them loaded, nor what GX imports for expectations
    the suite never asks (scipy.stats, altair), and its gate still judges a file, failing rows included;
    what was deferred loads when something uses it."""
    import shutil

    from tests.helpers import VALID, write_template_rows

    landing = tmp_path / "landing" / "840"
    landing.mkdir(parents=True)
    bad = {**VALID, "child_id": "TST0002", "pets": "Maybe", "sibling_count": -3}
    good = write_template_rows(landing / "q1.xlsx", [VALID, bad])
    with load._pool() as pool:
        loaded = pool.submit(_packages_loaded).result()
        [assessment] = pool.submit(load.assess_files, [(good, "840", "0" * 64)], Settings(home=tmp_path)).result()
        deferred = pool.submit(_deferred_loaded).result()
        used = pool.submit(_scipy_stats_used).result()
    assert not loaded & set(load.NOT_FOR_ASSESSORS), loaded & set(load.NOT_FOR_ASSESSORS)
    assert "great_expectations" in loaded
    assert assessment.status == "accepted" and (assessment.rows_accepted, assessment.rows_rejected) == (1, 1)
    assert {f.row for f in assessment.findings if f.severity == "error"} == {5}, assessment.findings
    assert deferred == dict.fromkeys(load.ON_FIRST_USE, False), deferred
    assert used == (0.5, True)
    shutil.rmtree(landing)
