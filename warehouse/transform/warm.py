"""dbt kept warm for a run's builds: a process that has imported dbt, its adapters and the Python the
models call, and parsed the project, before the build is asked for. Started cold, dbt spends about 3 s
of a night's build on that (imports 1.7 s, parsing 0.9 s) while the warehouse waits.

The orchestration starts the warm process as a run begins (`warm_dbt`), and dagster-dbt starts dbt as
it always does, but through `placements-dbt` (`main` below): that launcher hands its arguments, its
environment and its standard output to the warm process over a private socket and waits for the exit
code; with no warm process (or one that is gone) it runs dbt itself. dagster-dbt reads the same JSON log
lines from the same pipe either way.

Each build runs in a child forked from the warm process, so no state of one build reaches the next; the
child dies with the warm process, and the warm process with the run that started it (PR_SET_PDEATHSIG)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

from warehouse.lifetime import die_with_parent, end_process
from warehouse.transform.parse_state import seed_parse_state

ADDRESS_ENV = "PLACEMENTS_DBT_WARM"  # the warm process's socket, for the launcher
DBT = Path(sys.executable).with_name("dbt")
# what the parsed project depends on besides its files: a request that differs is parsed afresh (not the
# data root: the profile does not name it, see profiles.yml)
PARSE_INPUTS = ("PLACEMENTS_DBT_TARGET", "DBT_PROFILES_DIR")


# ---- the launcher: dagster-dbt's dbt executable ------------------------------------------------------

def main() -> int:
    address = os.environ.get(ADDRESS_ENV)
    if address:
        code = _through_warm(address, sys.argv[1:])
        if code is not None:
            return code
    os.execv(DBT, [str(DBT), *sys.argv[1:]])  # no warm process: dbt itself, as before
    return 2  # not reached


def _through_warm(address: str, args: list[str]) -> int | None:
    """The build in the warm process; None when there is none to take it (nothing has started yet)."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(address)
        request = json.dumps({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(conn, [len(request).to_bytes(8, "big") + request], [sys.stdout.fileno()])
        replies = conn.makefile("r", encoding="utf-8")
        started = replies.readline()
    except OSError:
        return None
    if not started:  # the warm process ended before taking the build: dbt itself
        return None
    child = json.loads(started)["pid"]
    for sig in (signal.SIGINT, signal.SIGTERM):  # dagster-dbt interrupts dbt with SIGINT
        signal.signal(sig, lambda number, _frame: os.kill(child, number))
    finished = replies.readline()
    if not finished:
        print("placements-dbt: dbt's warm process ended without an exit code", file=sys.stderr)
        return 2
    return int(json.loads(finished)["exit"])


# ---- the warm process --------------------------------------------------------------------------------

def _warm(target_path: str):
    """dbt, its adapters and the models' Python imported, and the project parsed (None if it does not
    parse: each build then parses it and shows the error itself)."""
    from dbt.cli.main import dbtRunner

    import analytics.forecast  # noqa: F401 - the Python models' imports
    import analytics.spend  # noqa: F401
    import warehouse.transform.plugin  # noqa: F401 - dbt-duckdb's plugin

    # no manifest.json (0.3 s): the build passes the parsed manifest on, and writes its own artefacts
    result = dbtRunner().invoke(["parse", "--quiet", "--no-write-json", "--target-path", target_path,
                                 "--log-path", target_path])
    return result.result if result.success else None


def serve(parent: int, listening_fd: int, target_path: str, wait: bool) -> None:
    die_with_parent(parent)
    server = os.getpid()
    signal.signal(signal.SIGTERM, lambda *_: _stop(server))
    # the builds' semaphores (dbt's locks) are tracked by this process's tracker, which writes to this
    # process's log: one a build started would write to the build's output, dagster-dbt's stream
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    listener = socket.socket(fileno=listening_fd)  # bound and listening before this process started
    if wait:  # until the run says go (a byte on stdin), or ends
        sys.stdin.buffer.read(1)
    manifest = _warm(target_path)
    parsed_with = {name: os.environ.get(name) for name in PARSE_INPUTS}
    while True:
        conn, _ = listener.accept()
        if not _same_user(conn):
            conn.close()
            continue
        sys.stdout.flush()  # nothing buffered here may reach a build's output
        sys.stderr.flush()
        server = os.getpid()
        if os.fork() == 0:
            listener.close()
            _build(server, conn, manifest, parsed_with)  # never returns
        conn.close()
        while True:  # reap finished builds
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def _stop(server: int) -> None:
    """Asked to stop (the run is over): the exit handlers run (multiprocessing's finalizers release what
    dbt's imports registered with the resource tracker, not reported as leaked), without tearing dbt
    down (end_process). A build forked from this process ends as before, with its exit code."""
    if os.getpid() != server:
        sys.exit(0)
    end_process(0)


def _same_user(conn: socket.socket) -> bool:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder) == os.getuid()


def _receive(conn: socket.socket) -> tuple[dict, int]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 1)
    while len(data) < 8 or len(data) < 8 + int.from_bytes(data[:8], "big"):
        more = conn.recv(1 << 20)
        if not more:
            raise EOFError("the launcher went away")
        data += more
    return json.loads(data[8:8 + int.from_bytes(data[:8], "big")]), fds[0]


def _build(server: int, conn: socket.socket, manifest, parsed_with: dict) -> None:
    """In the forked child: the launcher's dbt invocation, its output on the launcher's stdout."""
    code = 2
    try:
        die_with_parent(server)
        request, out = _receive(conn)
        differ = [name for name, value in parsed_with.items() if request["env"].get(name) != value]
        # to the warm log (this process's output until the next line): a build that parses again costs the
        # night half a second, and only this says so
        print(f"build {os.getpid()}: " + ("parses the project: it did not parse when warming" if manifest is None
              else f"parses the project again: {', '.join(differ)} differ(s)" if differ
              else "uses the warm parse"), flush=True)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        sys.stdout.reconfigure(line_buffering=True)  # each event reaches dagster-dbt as dbt logs it
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        from dbt.cli.main import dbtRunner

        result = dbtRunner(manifest=None if differ else manifest).invoke(request["args"])
        code = 0 if result.success else 2 if result.exception is not None else 1
        _close_duckdb()
    except BaseException as exc:  # noqa: BLE001 - the launcher must always get an exit code
        print(f"placements-dbt: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
        except OSError:
            pass
        os._exit(code)


def _go(process: subprocess.Popen) -> None:
    try:
        process.stdin.write(b"\n")
        process.stdin.close()
    except (OSError, ValueError):  # gone already, or told
        pass


def _close_duckdb() -> None:
    """dbt-duckdb keeps its database open until the process ends; this child ends with os._exit (the warm
    process's state is not its to tear down), so the database is closed first: checkpointed, its spill
    files removed and its lock released before the launcher, and then the run, go on."""
    import gc

    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


@contextmanager
def warm_dbt(env: dict[str, str], target_path: Path, cwd: Path, after: Future | None = None) -> Iterator[None]:
    """A warm dbt process for the builds started inside this block (its address in ADDRESS_ENV, which
    the launcher reads). `env`: dbt's environment as the build will have it (its target, connection);
    `target_path`: the build's target folder, where the parse leaves its partial-parsing state; `after`:
    warm up only once this is done (two cores: what is needed first loads first). Nested blocks share the
    outer one's process."""
    if os.environ.get(ADDRESS_ENV):
        yield
        return
    folder = tempfile.mkdtemp(prefix="placements-dbt-")  # 0700: only this user reaches the socket
    address = os.path.join(folder, "socket")
    seed_parse_state(target_path)  # a new data root's first parse starts from the project's
    # listening from now on: a launcher that connects while the process is still warming waits for it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(8)
    # its own messages (a failed warm-up: the builds then start dbt themselves) in the target folder; a
    # build's output goes to its launcher
    with open(target_path / "warm-dbt.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "warehouse.transform.warm", str(os.getpid()),
                                    str(listener.fileno()), str(target_path), "wait" if after else "now"],
                                   env=env, cwd=cwd, stdin=subprocess.PIPE if after else subprocess.DEVNULL,
                                   stdout=log, stderr=log, pass_fds=[listener.fileno()])
    listener.close()
    if after is not None:
        after.add_done_callback(lambda _: _go(process))
    os.environ[ADDRESS_ENV] = address
    try:
        yield
    finally:
        os.environ.pop(ADDRESS_ENV, None)
        process.terminate()  # its builds, if any were left, die with it
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def warm_dbt_for(settings, after: Future | None = None) -> Iterator[None]:
    """The warm process for a run's builds, when landing holds a night's few files: it loads dbt on the
    other core while intake runs (once `after` is done). A backfill starts dbt as before (3 s of a minute),
    so that its intake's worker processes have the memory."""
    from ingest.settings import PROJECT_ROOT
    from warehouse.load import PARALLEL_FROM_FILES  # where intake starts its worker processes
    from warehouse.storage.engines import dbt_variables
    from warehouse.storage.inbox import inbox_for

    if os.environ.get(ADDRESS_ENV) or len(inbox_for(settings).entries()) >= PARALLEL_FROM_FILES:
        yield
        return
    project = PROJECT_ROOT / "dbt_project"
    # the environment as dagster-dbt gives it to the build, which names the profiles folder: a parse
    # without it would differ from the build's (PARSE_INPUTS), and every build would parse again
    env = {**os.environ, "DBT_PROFILES_DIR": str(project), **dbt_variables(settings)}
    with warm_dbt(env, settings.dbt_target, project, after):
        yield


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "wait")
