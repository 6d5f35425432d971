"""Helper processes end with the process that started them. A run's helpers (assessors, the warm dbt, the
chart renderer) hold hundreds of MB and, the warm dbt, the warehouse; when the run is killed on its own
(`kill -9` of its process, the kernel's OOM killer), not with its process group, nothing else would end
them: an assessor left waiting on its task queue lived on for ever.

`end_process` is how the command and the warm dbt end: what the interpreter does at exit, without
tearing down what they imported."""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
import threading
from typing import NoReturn

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """The kernel kills this process when `parent`, the one that started it, ends; if it ended before
    this could be asked, this process ends now. (The signal follows the parent's thread that started this
    process: the helpers here are started by the thread that then waits for them.)"""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's own shutdown still ends its helpers
        pass
    if os.getppid() != parent:
        os._exit(1)


def end_process(code: int) -> NoReturn:
    """What the interpreter does at exit before it tears down (output flushed, threads joined with their
    exit hooks, which shut process pools down, then the exit handlers: logging, multiprocessing's
    finalizers and worker processes), then the end of the process without unloading every object that
    Dagster, dbt's manifest and pandas made (a second of every run; half a second of the warm dbt's
    stop, which the run waited for)."""
    sys.stdout.flush()
    sys.stderr.flush()
    # without this, a pool still open (the chart renderer of a night whose dbt failed) was never told to
    # stop, and multiprocessing's exit handler waited for its idle process for ever
    threading._shutdown()
    atexit._run_exitfuncs()
    os._exit(code)
