"""dbt kept warm (warehouse/transform/warm.py), on a tiny dbt project of its own: a build through the warm
process ends as dbt itself would (exit code, JSON log lines, the database released), the launcher runs dbt
itself when there is no warm process, and a warm process never outlives the run that started it."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.transform.warm import ADDRESS_ENV, warm_dbt

THROUGH_WARM = ("import sys; from warehouse.transform.warm import _through_warm; "
                "code = _through_warm(sys.argv[1], sys.argv[2:]); sys.exit(99 if code is None else code)")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: tiny\nversion: '1.0'\nconfig-version: 2\nprofile: tiny\n")
    (root / "profiles.yml").write_text(textwrap.dedent(f"""\
        tiny:
          target: dev
          outputs:
            dev: {{type: duckdb, path: "{tmp_path / 'tiny.duckdb'}", threads: 1}}
        """))
    (root / "models" / "numbers.sql").write_text("select 1 as n union all select {{ var('second', 2) }}")
    (root / "models" / "_models.yml").write_text(textwrap.dedent("""\
        models:
          - name: numbers
            columns:
              - name: n
                data_tests: [unique]
        """))
    return root


def _env(project: Path) -> dict[str, str]:
    return {**os.environ, "DBT_PROFILES_DIR": str(project), "DBT_LOG_FORMAT": "json",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def _build(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", THROUGH_WARM, os.environ[ADDRESS_ENV], "build", *args],
                          cwd=project, env=_env(project), capture_output=True, text=True, timeout=120)


def test_a_build_through_the_warm_process_ends_as_dbt_would(project: Path, tmp_path: Path):
    with warm_dbt(_env(project), project / "target", project):
        passed = _build(project)
        assert passed.returncode == 0, passed.stdout[-2000:] + passed.stderr[-2000:]
        lines = [line for line in passed.stdout.splitlines() if line.strip()]
        assert lines and all(line.startswith("{") for line in lines)  # dbt's JSON log, as dagster-dbt reads it
        with duckdb.connect(str(tmp_path / "tiny.duckdb")) as con:  # released: a writer opens it at once
            assert con.execute("select count(*) from main.numbers").fetchone()[0] == 2
        failed = _build(project, "--vars", "{second: 1}")  # the unique test fails: dbt's exit code 1
        assert failed.returncode == 1
        again = _build(project)  # a second build in the same warm process: nothing of the first one left
        assert again.returncode == 0
    assert ADDRESS_ENV not in os.environ


def test_without_a_warm_process_the_launcher_runs_dbt_itself(project: Path):
    env = {k: v for k, v in _env(project).items() if k != ADDRESS_ENV}
    launcher = Path(sys.executable).with_name("placements-dbt")
    result = subprocess.run([str(launcher), "build"], cwd=project, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    gone = subprocess.run([sys.executable, "-c", THROUGH_WARM, str(project / "no-such-socket"), "build"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert gone.returncode == 99  # nobody to take it: the launcher would exec dbt


def test_the_warm_process_dies_with_the_run_that_started_it(project: Path, tmp_path: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from warehouse.transform.warm import warm_dbt; import os; "
         f"p = Path({str(project)!r}); "
         "cm = warm_dbt(dict(os.environ), p / 'target', p); cm.__enter__(); print('up', flush=True); "
         "time.sleep(600)"],
        cwd=project, env=_env(project), stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "up"
    children = _children(holder.pid)
    assert children, "no warm process started"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"
