"""A run's helper processes end with the run, also when only the run's own process is killed."""

import os
import signal
import subprocess
import sys
import time

import pytest

from ingest.settings import PROJECT_ROOT

STARTS = {  # each leaves `pids`, its processes, started
    "assessors": "from warehouse import load\npool = load._pool()\n"
                 "for f in [pool.submit(int) for _ in range(2)]: f.result()\npids = list(pool._processes)",
    "renderer": "from publish import charts\ncharts.start_renderer()\n"
                "for r in charts._RENDERER: r.warmed.result()\npids = [r.pid for r in charts._RENDERER]",
}


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in {"Z", "X"}  # ended, not yet reaped
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("helpers", sorted(STARTS))
def test_helpers_end_when_the_run_is_killed_alone(helpers):
    script = (f"import os, signal\n{STARTS[helpers]}\n"
              "print(' '.join(str(p) for p in pids), flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    # the helpers inherit the pipe, so the line is read, not the pipe to its end
    with subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                          text=True) as run:
        pids = [int(p) for p in run.stdout.readline().split()]
        assert run.wait(timeout=120) == -signal.SIGKILL
    assert pids
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in pids if not _gone(p)]
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{helpers} outlived the killed run: {left}"
