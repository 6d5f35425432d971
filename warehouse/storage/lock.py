"""One writer at a time on a data root: `placements run`, a sensor or scheduled Dagster run, `forget`,
`retention` and `rotate-key` all take the same lock before they touch anything.

The lock is an flock on a file under PLACEMENTS_HOME: the kernel releases it when its process dies, so a
killed run never leaves a stale lock. The holder writes what it is, since when and its process into the
file, so that a process that cannot get the lock can say who has it. Re-entrant within a process: the
`placements run` command holds it and the Dagster run it starts in the same process takes it again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RUN_LOCK = ".placements.lock"  # the warehouse, landing, archive: everything a run writes
SETUP_LOCK = ".dagster-setup.lock"  # first-time creation of the Dagster instance's storage
_held: dict[Path, tuple[int, int]] = {}  # lock file -> (descriptor, depth) held by this process


class Busy(RuntimeError):
    """Another process holds the lock; the message names it (what, since when, which process)."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another placements process"
    return (f"`{info.get('what', '?')}` (process {info.get('pid', '?')} on {info.get('host', '?')}, "
            f"since {info.get('since', '?')})")


@contextmanager
def exclusive(home: Path, what: str, wait_seconds: float = 0.0, name: str = RUN_LOCK) -> Iterator[None]:
    """Hold the lock `name` of data root `home` for the block, waiting up to `wait_seconds` for it."""
    path = (home / name).resolve()
    if path in _held:  # this process holds it already
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield
        finally:
            _held[path] = (fd, _held[path][1] - 1)
        return
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                waited = f"after waiting {wait_seconds:.0f} s" if wait_seconds else "without waiting"
                raise Busy(f"{what} did not start ({waited}): {_holder(path)} is working on {home}. "
                           "Try again when it has finished.") from None
            time.sleep(0.2)
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"what": what, "since": since, "pid": os.getpid(),
                              "host": socket.gethostname()}).encode(), 0)
    _held[path] = (fd, 1)
    try:
        yield
    finally:
        del _held[path]
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def holder(home: Path, name: str = RUN_LOCK) -> str | None:
    """Who holds the lock at this moment, or None. Tested with a shared lock taken and dropped at once, so
    a run starting just then waits an instant (it waits up to its own limit)."""
    path = home / name
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(path)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
