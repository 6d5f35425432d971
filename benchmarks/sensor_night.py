"""A night as production runs it: the Dagster daemon's landing sensor sees a new return (with its `.done`
marker) and launches the run in its own process. Timed from the run's start to its end, as Dagster
records them, and from the file's arrival to the end (which adds the sensor's wait, up to 60 s)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def time_sensor_run(home: Path, new_file: Path, env: dict[str, str], timeout: float = 600) -> tuple[float, float]:
    """(run seconds, arrival-to-finished seconds) for one sensor-launched run over `new_file`."""
    env = {**env, "PLACEMENTS_HOME": str(home), "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster"),
           "DAGSTER_HOME": str(PROJECT_ROOT)}
    os.environ.update(env)
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.get() as instance:
        before = {r.run_id for r in instance.get_runs()}
    daemon_bin = Path(sys.executable).with_name("dagster-daemon")
    daemon = subprocess.Popen([str(daemon_bin), "run", "-m", "orchestration.definitions"], env=env,
                              cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        target = home / "landing" / new_file.parent.name / new_file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(new_file, target)
        target.with_name(target.name + ".done").touch()
        arrived = time.time()
        while time.time() - arrived < timeout:
            time.sleep(1)
            with DagsterInstance.get() as instance:
                new = [r for r in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.SUCCESS,
                                                                        DagsterRunStatus.FAILURE]))
                       if r.run_id not in before]
                if new:
                    stats = instance.get_run_stats(new[0].run_id)
                    if new[0].status != DagsterRunStatus.SUCCESS:
                        raise SystemExit(f"the sensor's run {new[0].run_id} failed")
                    return stats.end_time - stats.start_time, stats.end_time - arrived
        raise SystemExit(f"no sensor run finished within {timeout:.0f} s")
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
