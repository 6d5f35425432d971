"""vl-convert, the charts' renderer (Vega-Lite to SVG), in processes of its own: `Renderer` starts them
and hands them specifications; `python -m publish.renderer` is one of them.

A renderer process loads vl-convert only (0.4 s, 80 MB), not the run's Python (a multiprocessing child
imports the command's main module first, then Altair and pandas with the charts: 0.9 s, 173 MB). It
reads specifications from its stdin and writes SVG to its stdout, one at a time, in order; it ends when
its stdin closes, or with the process that started it."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future

WARM_UP = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}}}


class RendererGone(RuntimeError):
    """The renderer ended before it drew a chart handed to it (the caller may draw it itself)."""


def render(spec: dict) -> str:
    """The chart as inline SVG; no URL may be fetched while rendering (`allowed_base_urls=[]`)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])


class Renderer:
    """One renderer process, started now; `submit` hands it a chart and returns the SVG's future."""

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", "publish.renderer", str(os.getpid())],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._pending: deque[Future] = deque()  # in the order of the requests, so of the replies
        self._lock = threading.Lock()  # for _pending and _ended
        self._ended = False
        # requests are written by a thread of their own: a specification is larger than a pipe's buffer, so
        # a write waits until the renderer has drawn the chart before, and the page must not wait with it
        self._requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.warmed = self.submit(WARM_UP)  # its first drawing starts vl-convert's engine (half a second)
        threading.Thread(target=self._write, name="chart-renderer-in", daemon=True).start()
        threading.Thread(target=self._read, name="chart-renderer-out", daemon=True).start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def submit(self, spec: dict) -> Future:
        drawing: Future = Future()
        request = json.dumps(spec).encode()
        with self._lock:
            if self._ended:
                drawing.set_exception(RendererGone("the chart renderer has ended"))
            else:
                self._pending.append(drawing)
                self._requests.put(len(request).to_bytes(8, "big") + request)
        return drawing

    def _write(self) -> None:
        stdin = self._process.stdin
        while (request := self._requests.get()) is not None:
            try:
                stdin.write(request)
                stdin.flush()
            except (OSError, ValueError):  # ended: the reading thread fails what it was handed
                pass
        try:
            stdin.close()
        except OSError:
            pass

    def _read(self) -> None:
        replies = self._process.stdout
        while (header := replies.read(9)) and len(header) == 9:
            length = int.from_bytes(header[1:], "big")
            payload = replies.read(length)
            if len(payload) < length:  # ended while writing it: the chart is drawn elsewhere, not cut short
                break
            payload = payload.decode()
            with self._lock:
                drawing = self._pending.popleft()
            if header[:1] == b"0":
                drawing.set_result(payload)
            else:
                drawing.set_exception(ValueError(f"the chart could not be drawn: {payload}"))
        self._process.wait()
        with self._lock:
            self._ended = True
            while self._pending:
                self._pending.popleft().set_exception(RendererGone("the chart renderer ended"))

    def close(self) -> None:
        """Its process ends once it has drawn what it was handed (nobody waits for it here)."""
        self._requests.put(None)


def serve(parent: int) -> None:
    from warehouse.lifetime import die_with_parent

    die_with_parent(parent)  # a killed run leaves no renderer behind
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else writes to stdout cannot break the replies
    while (header := requests.read(8)) and len(header) == 8:
        spec = json.loads(requests.read(int.from_bytes(header, "big")))
        try:
            status, payload = b"0", render(spec).encode()
        except Exception as exc:  # noqa: BLE001 - the caller gets the error with the chart it asked for
            status, payload = b"1", f"{type(exc).__name__}: {exc}".encode()
        replies.write(status + len(payload).to_bytes(8, "big") + payload)
        replies.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
