"""The intake of one run: every entry in landing ends accepted, rejected or duplicate, with a report, and
its original sealed in the archive or the quarantine."""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import logging
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from ingest.intake.expectations import ExpectationGate
from ingest.intake.findings import Finding
from ingest.intake.gate import Assessment, assess_prepared, file_sha256, prepare_file
from ingest.intake.landing import LandedFile, la_folder, landed_files
from ingest.intake.readers import file_kind
from ingest.intake.redact import without_rows
from ingest.intake.reports import write_report
from ingest.settings import Settings
from ingest.standard.contract import load_contract
from warehouse.imports import load_on_first_use, mark_absent
from warehouse.lifetime import die_with_parent
from warehouse.security import tombstones
from warehouse.security.encryption import load_storage_key
from warehouse.security.keys import check_key
from warehouse.security.pseudonymise import load_key
from warehouse.storage import archive
from warehouse.storage.database import open_warehouse
from warehouse.storage.engines import warehouse_for
from warehouse.storage.inbox import inbox_for
from warehouse.storage.raw import Received, ensure_schema, loaded_contents, log_file_event, record_submissions

log = logging.getLogger(__name__)


@dataclass
class FileOutcome:
    la_code: str
    file_name: str
    sha256: str
    outcome: str  # accepted | rejected | duplicate
    rows_received: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_with_warnings: int = 0
    rows_erased: int = 0
    version: str | None = None
    reason: str = ""
    report: str = ""
    expectation_summary: dict = field(default_factory=dict)


@dataclass
class IntakeResult:
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)


DUPLICATE_REASON = "The same content was already received from this LA; nothing was loaded twice."
NOT_REGULAR_REASON = ("This is a link, a pipe or another special file, not a file: it was not opened. Put the "
                      "return itself in your LA's folder.")
BATCH_ROWS = 50_000  # rows recorded in one transaction at most (a file is never split)
TASK_BYTES = 8 * 1024 * 1024  # files read and gated together, by size: GX's fixed cost per run, bounded memory
PARALLEL_FROM_FILES = 24  # a night's few files are assessed in process; a backfill's in worker processes
ASSESSORS = 2


def preflight(settings: Settings) -> None:
    """Before anything is read or moved: both keys present, and the pseudonymisation key the one the
    warehouse was built with (MissingKey, MissingStorageKey or KeyMismatch otherwise)."""
    key = load_key()
    load_storage_key()
    inbox_for(settings).check()  # LandingUnreachable: the bucket cannot be listed
    with open_warehouse(settings) as con:  # WarehouseUnreachable: the database cannot be used
        warehouse_for(settings).check_prepared(con)
        check_key(con, key)


def run_intake(settings: Settings, run_id: str = "") -> IntakeResult:
    """`run_id` is an opaque label (the orchestrator's run) recorded with each file event."""
    settings.ensure()
    preflight(settings)
    contract = load_contract()
    result = IntakeResult()
    inbox = inbox_for(settings)
    staged = inbox.stage()  # objects in a bucket copied into the data root's landing folder first
    files = landed_files(settings.landing)
    erased, storage_key = tombstones.marks(settings), load_storage_key()
    con = open_warehouse(settings)
    try:
        ensure_schema(con, contract)
        seen: set[tuple[str, str]] = loaded_contents(con)  # accepted before, or earlier in this run
        to_read: list[tuple[LandedFile, str]] = []
        for landed in files:  # links and repeats are settled without being read
            if not landed.regular:
                result.files.extend(_settle(con, contract, settings, [landed], [_not_regular(landed)], run_id))
                continue
            sha = file_sha256(landed.path)
            if (landed.la_code, sha) in seen:
                result.files.append(_duplicate(con, settings, landed, sha, run_id))
                continue
            seen.add((landed.la_code, sha))
            to_read.append((landed, sha))
        done = 0
        with _assessors(to_read) as assessed:
            for task, assessments in assessed([(lf.path, lf.la_code, sha) for lf, sha in to_read], settings):
                landed = [lf for lf, _ in to_read[done:done + task]]
                for number, lf in enumerate(landed, start=done + 1):
                    log.info("intake [%d/%d] %s/%s", number, len(to_read), lf.la_code or "?", lf.shown)
                for assessment in assessments:
                    _drop_erased(assessment, erased, storage_key)
                for batch in _transactions(list(zip(landed, assessments, strict=True))):
                    result.files.extend(_settle(con, contract, settings, [lf for lf, _ in batch],
                                                [a for _, a in batch], run_id))
                del assessments  # recorded: the task's rows are freed before the next one arrives
                done += task
    finally:
        con.close()
    inbox.settle(staged)  # sealed copies up and checked, then the landed objects deleted
    _give_back_memory()
    return result


def _give_back_memory() -> None:
    """A backfill's frames are freed, but glibc keeps the freed heap: hand it back to the system, since dbt
    runs next, in its own process, beside this one (about 100 MB on a national backfill)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _tasks(files: list[tuple[Path, str, str]]) -> list[list[tuple[Path, str, str]]]:
    """Consecutive files, up to TASK_BYTES of them, to prepare and gate together (one GX run per version
    per task: its cost per run is fixed, so small tasks would waste it; bytes bound a task's memory)."""
    tasks: list[list[tuple[Path, str, str]]] = []
    size = 0
    for item in files:
        length = item[0].stat().st_size
        if not tasks or (size + length > TASK_BYTES and tasks[-1]):
            tasks.append([])
            size = 0
        tasks[-1].append(item)
        size += length
    return tasks


_GATE: list[ExpectationGate] = []  # one per process: GX's context is costly to build
_WARM: list[ProcessPoolExecutor] = []  # assessors started ahead by the command (start_assessors)


def _build_gate() -> None:
    if not _GATE:
        _GATE.append(ExpectationGate(load_contract()))


# Installed for other parts (Dagster's storage, object-storage landing, the PostgreSQL hub), never used by
# an assessor, which validates DataFrames of files already in local landing: GX's compatibility shims
# import each of them they find (its own dependencies do not include them). 47 MB and 0.8 s per assessor.
NOT_FOR_ASSESSORS = ("boto3", "botocore", "azure", "sqlalchemy", "psycopg2")
# Imported by GX's modules for what the suite never asks (a KL-divergence expectation, rendering its
# results as charts): loaded if ever used, not before. 76 MB and 0.75 s per assessor.
ON_FIRST_USE = ("scipy.stats", "altair")


def _start_assessor(parent: int) -> None:
    """An assessor process's first step: it will end with `parent`, the process that started it; before GX
    is imported, the packages it never needs are marked absent or left to load on first use; then the
    gate is built."""
    die_with_parent(parent)
    mark_absent(NOT_FOR_ASSESSORS)
    load_on_first_use(ON_FIRST_USE)
    _build_gate()


def assess_files(files: list[tuple[Path, str, str]], settings: Settings) -> list[Assessment]:
    """Read, conform and gate (path, LA code, SHA-256) files together, in this process."""
    contract = load_contract()
    prepared = [prepare_file(path, la_code, contract, settings, sha) for path, la_code, sha in files]
    if any(p.conformed is not None for p in prepared):
        _build_gate()
    return assess_prepared(prepared, _GATE[0] if _GATE else None, settings)


def _workers() -> int:
    return min(ASSESSORS, os.cpu_count() or 1)


def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=_workers(), mp_context=get_context("spawn"), initializer=_start_assessor,
                               initargs=(os.getpid(),))


@contextmanager
def start_assessors() -> Iterator[Future]:
    """For the `placements run` command: an assessor process starts now and loads Great Expectations (seconds)
    on the other core while this process loads Dagster, so a night's few files find their gate ready.
    Yields a future done when that process's gate is built."""
    pool = _pool()
    ready = pool.submit(int)  # spawns one; a backfill's tasks spawn the others when they find none idle
    _WARM.append(pool)
    try:
        yield ready
    finally:
        if pool in _WARM:  # not used: no intake ran
            _WARM.remove(pool)
        pool.shutdown(cancel_futures=True)


@contextmanager
def _assessors(files: list) -> Iterator:
    """Reading, conforming and the expectation gate are pure Python work: on a backfill they run in
    worker processes (both cores) while this one records and seals; a night's few files run here, or in the
    process the command started ahead (start_assessors). Yields a function giving (files in the task,
    their assessments) in landing order."""
    if _WARM:  # used once, then gone: idle, its processes would hold their memory through dbt and publish
        pool = _WARM.pop()
        try:
            yield lambda items, settings: _ahead(pool, _tasks(items), settings, window=ASSESSORS + 1)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # its processes exit while the run goes on
        return
    if len(files) < PARALLEL_FROM_FILES or (os.cpu_count() or 1) < 2:
        yield lambda items, settings: ((len(t), assess_files(t, settings)) for t in _tasks(items))
        return
    with _pool() as pool:
        yield lambda items, settings: _ahead(pool, _tasks(items), settings, window=ASSESSORS + 1)


def _ahead(pool: ProcessPoolExecutor, tasks: list[list], settings: Settings, window: int) -> Iterator:
    """Results in order, with at most `window` tasks ahead of the one being recorded: workers faster
    than the recording would otherwise hold every assessed file of a backfill in memory. Whole tasks go
    to a worker: the pool's feeder thread needs this process's GIL for every task and result, and one
    task per file starved the workers (the cores took turns)."""
    pending: deque = deque()
    for task in tasks:
        pending.append((len(task), pool.submit(assess_files, task, settings)))
        if len(pending) >= window:
            count, future = pending.popleft()
            yield count, future.result()
    while pending:
        count, future = pending.popleft()
        yield count, future.result()


def _transactions(items: list[tuple[LandedFile, Assessment]]) -> Iterator[list[tuple[LandedFile, Assessment]]]:
    """Files recorded together, up to BATCH_ROWS rows per transaction (each file stays all or nothing)."""
    batch, rows = [], 0
    for lf, a in items:
        batch.append((lf, a))
        rows += a.rows_received
        if rows >= BATCH_ROWS:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _drop_erased(assessment: Assessment, erased: set[tuple[str, str]], storage_key: bytes) -> None:
    """Rows of children erased on request are never loaded again, from any file."""
    if assessment.status != "accepted" or not any(la == assessment.la_code for la, _ in erased):
        return
    keep = [not tombstones.is_erased(erased, storage_key, assessment.la_code, child)
            for child in assessment.accepted["child_id"]]
    assessment.rows_erased = len(keep) - sum(keep)
    assessment.erased_rows = [int(r) for r in assessment.accepted.loc[[not k for k in keep], "source_row"]]
    assessment.accepted = assessment.accepted[keep]


def _duplicate(con, settings: Settings, landed: LandedFile, sha: str, run_id: str) -> FileOutcome:
    assessment = Assessment(la_code=landed.la_code, file_name=landed.path.name, sha256=sha, status="duplicate")
    report = write_report(assessment, settings.reports / la_folder(landed.la_code))
    log_file_event(con, run_id, landed.la_code, landed.path.name, sha, "duplicate")
    archive.store(settings.archive, landed, sha, _now())
    log.info("%s/%s: duplicate", landed.la_code, landed.shown)
    return FileOutcome(landed.la_code, landed.path.name, sha, "duplicate", reason=DUPLICATE_REASON, report=str(report))


def _not_regular(landed: LandedFile) -> Assessment:
    """A link or special file: refused without being opened (nothing outside landing is ever read)."""
    sha = hashlib.sha256(f"{landed.path}|{landed.path.lstat().st_ino}".encode()).hexdigest()  # never read
    return Assessment(la_code=landed.la_code, file_name=landed.path.name, sha256=sha, status="rejected",
                      findings=[Finding("F009", "error", NOT_REGULAR_REASON)])


def _settle(con, contract, settings: Settings, landed: list[LandedFile], assessments: list[Assessment],
            run_id: str) -> list[FileOutcome]:
    """Report each file, record them all in one transaction, then seal each into the archive or the
    quarantine. Moves come after the commit: a crash before it leaves every file in landing to be
    assessed again; a crash after it, a file seen again as a duplicate. Nothing is lost or loaded twice."""
    now = _now()
    reports = [write_report(a, settings.reports / la_folder(lf.la_code)) for lf, a in zip(landed, assessments,
                                                                                        strict=True)]
    record_submissions(con, contract, [Received(a, now, str(r.relative_to(settings.home)), run_id)
                                       for a, r in zip(assessments, reports, strict=True)])
    outcomes = []
    for lf, assessment, report in zip(landed, assessments, reports, strict=True):
        target = settings.archive if assessment.status == "accepted" else settings.quarantine
        content = None
        if assessment.erased_rows:  # the archived original never holds an erased child either
            content = without_rows(lf.path.read_bytes(), file_kind(lf.path.name), set(assessment.erased_rows),
                                   assessment.sheet)
        moved = archive.store(target, lf, assessment.sha256, now, content)
        if assessment.status == "rejected":
            moved.with_name(moved.name + ".reason.txt").write_text(
                f"{assessment.reason}\nFull feedback: {report}\n", encoding="utf-8"
            )
        log.info("%s/%s: %s", lf.la_code, lf.shown, assessment.status)
        outcomes.append(_outcome(assessment, str(report)))
    return outcomes


def _outcome(a: Assessment, report: str) -> FileOutcome:
    return FileOutcome(
        la_code=a.la_code,
        file_name=a.file_name,
        sha256=a.sha256,
        outcome=a.status,
        rows_received=a.rows_received,
        rows_loaded=a.rows_accepted,
        rows_rejected=a.rows_rejected,
        rows_with_warnings=a.rows_with_warnings,
        rows_erased=a.rows_erased,
        version=a.version,
        reason=a.reason,
        report=report,
        expectation_summary=a.expectation_summary,
    )
