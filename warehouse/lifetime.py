"""Helper processes end with the process that started them. A run's helpers (assessors, the warm dbt, the
chart renderer) hold hundreds of MB and, the warm dbt, the warehouse; when the run is killed on its own
(`kill -9` of its process, the kernel's OOM killer), not with its process group, nothing else would end
them: an assessor left waiting on its task queue lived on for ever."""

from __future__ import annotations

import ctypes
import os
import signal

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
