"""Assess one submitted file: read, conform, validate, decide. Touches no warehouse and no folder,
so `placements validate` and the nightly intake give the same answer for the same file."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest.intake.bounds import OverLimit
from ingest.intake.conform import Conformed, FileRejected, conform_table, header_scorer
from ingest.intake.expectations import ExpectationGate
from ingest.intake.findings import Finding
from ingest.intake.readers import NoStandardHeaders, UnreadableFile, read_file
from ingest.settings import Settings
from ingest.standard.contract import Contract
from ingest.standard.reference import local_authorities

log = logging.getLogger(__name__)
INTERNAL_ERROR = "The file could not be processed because of an error in the intake; the operator has been told"


@dataclass
class Assessment:
    la_code: str
    file_name: str
    sha256: str
    status: str  # accepted | rejected | duplicate (set by the intake when the content was already loaded)
    findings: list[Finding] = field(default_factory=list)
    version: str | None = None
    layout: str | None = None
    rows_received: int = 0
    rows_erased: int = 0  # rows of children erased on request, dropped by the warehouse's intake
    erased_rows: list[int] = field(default_factory=list)  # their row numbers in the file
    sheet: str | None = None  # the workbook sheet the rows were read from
    accepted: pd.DataFrame | None = None  # rows to load, with warning_codes
    not_collected: list[str] = field(default_factory=list)
    expectation_summary: dict = field(default_factory=dict)
    required_completeness: float | None = None  # share of required cells filled, over every row received

    @property
    def rows_accepted(self) -> int:
        return 0 if self.accepted is None else len(self.accepted)

    @property
    def rows_rejected(self) -> int:
        if self.status != "accepted":
            return self.rows_received
        return self.rows_received - self.rows_accepted - self.rows_erased

    @property
    def rows_with_warnings(self) -> int:
        if self.accepted is None:
            return 0
        return int(self.accepted["warning_codes"].map(bool).sum())

    @property
    def reason(self) -> str:
        """One line for the operator and the LA: the file-level finding, if any."""
        file_level = [f for f in self.findings if f.row is None and f.severity == "error"]
        return file_level[0].message if file_level else ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Prepared:
    """A file read and conformed, waiting for the expectation gate."""

    assessment: Assessment
    conformed: Conformed | None = None


def prepare_file(
    path: Path, la_code: str, contract: Contract, settings: Settings, sha256: str | None = None
) -> Prepared:
    """File-level checks, reading and conforming: everything before the expectation gate.
    `sha256` saves hashing the file again when the caller already has it."""
    assessment = Assessment(la_code=la_code, file_name=path.name, sha256=sha256 or file_sha256(path),
                            status="rejected")
    try:
        if la_code not in local_authorities():
            shown = la_code if la_code.isalnum() and len(la_code) <= 12 else "(unnamed)"
            raise FileRejected("F002", f"The folder '{shown}' is not the DfE code of an English local authority.")
        if path.stat().st_size > settings.limits.max_file_bytes:
            raise FileRejected(
                "F006", f"The file is larger than the {settings.limits.max_file_bytes // (1024 * 1024)} MB limit."
            )
        try:
            table = read_file(path, header_scorer(contract), contract.sheets, settings.limits)
        except OverLimit as exc:
            raise FileRejected("F008", str(exc)) from exc
        except NoStandardHeaders as exc:
            raise FileRejected("F003", str(exc)) from exc
        except UnreadableFile as exc:
            raise FileRejected("F001", str(exc)) from exc
        conformed = conform_table(contract, table)
        assessment.version, assessment.layout = conformed.version.version, conformed.layout
        assessment.sheet = table.sheet
        assessment.not_collected = conformed.not_collected
        assessment.rows_received = len(conformed.frame)
        if conformed.frame.empty:
            raise FileRejected("F005", "The file has column headers but no data rows.")
        assessment.required_completeness = required_completeness(conformed)
        return Prepared(assessment, conformed)
    except FileRejected as exc:
        _reject(assessment, exc)
        return Prepared(assessment)
    except Exception as exc:  # never lose a file to a bug: refuse it with a reason, tell the operator
        log.exception("unexpected error reading %s/%s", la_code, path.name)
        _reject(assessment, FileRejected("F001", f"{INTERNAL_ERROR} ({exc.__class__.__name__})."))
        return Prepared(assessment)


def required_completeness(conformed: Conformed) -> float | None:
    """Share of the cells of the version's every-row required fields that hold a value (rows as received,
    refused ones too): the LA's own measure of how complete its return is."""
    required = [f.name for f in conformed.version.fields
                if f.required == "yes" and f.name in conformed.frame and f.name in conformed.locations]
    if not required or conformed.frame.empty:
        return None
    return round(float(conformed.frame[required].notna().to_numpy().mean()), 4)


def assess_prepared(batch: list[Prepared], gate: ExpectationGate | None, settings: Settings) -> list[Assessment]:
    """Run the expectation gate once per version over a batch of prepared files, then decide each
    (no gate is needed when no file could be read)."""
    by_version: dict[str, list[Prepared]] = defaultdict(list)
    for p in batch:
        if p.conformed is not None:
            by_version[p.conformed.version.version].append(p)
    for items in by_version.values():
        assert gate is not None, "files were read: the expectation gate decides them"
        results = gate.validate(
            items[0].conformed.version, [(p.conformed.frame, p.conformed.locations) for p in items]
        )
        for p, (findings, summary) in zip(items, results, strict=True):
            a = p.assessment
            a.expectation_summary = summary
            a.findings = sorted(_without_echoes(p.conformed.findings, findings), key=_finding_order)
            try:
                _decide(a, p.conformed, settings)
            except FileRejected as exc:
                _reject(a, exc)
    return [p.assessment for p in batch]


def assess_file(path: Path, la_code: str, contract: Contract, gate: ExpectationGate, settings: Settings) -> Assessment:
    return assess_prepared([prepare_file(path, la_code, contract, settings)], gate, settings)[0]


def _without_echoes(read_problems: list[Finding], expectation_findings: list[Finding]) -> list[Finding]:
    """A cell that could not be read is blank to the expectations: report it once, as unreadable."""
    unreadable = {(f.row, f.field) for f in read_problems}
    return read_problems + [f for f in expectation_findings
                            if not (f.code in {"R001", "R010"} and (f.row, f.field) in unreadable)]


def _finding_order(f: Finding) -> tuple:
    return (f.row or 0, len(f.column or ""), f.column or "", f.code)


def _reject(assessment: Assessment, exc: FileRejected) -> None:
    assessment.status = "rejected"
    assessment.accepted = None
    assessment.findings = [Finding(exc.code, "error", exc.message), *assessment.findings]


def _decide(assessment: Assessment, conformed: Conformed, settings: Settings) -> None:
    errors: set[int] = set()
    warnings: dict[int, set[str]] = defaultdict(set)
    for f in assessment.findings:
        if f.row is None:
            continue
        if f.severity == "error":
            errors.add(f.row)
        else:
            warnings[f.row].add(f.code)
    frame = conformed.frame
    if assessment.rows_received and len(errors) / assessment.rows_received > settings.max_rejected_share:
        raise FileRejected(
            "F007",
            f"{len(errors)} of {assessment.rows_received} rows have errors (more than "
            f"{settings.max_rejected_share:.0%}); the whole file is refused. See the rows listed below.",
        )
    accepted = frame[~frame["source_row"].isin(errors)].copy()
    accepted["warning_codes"] = accepted["source_row"].map(lambda r: sorted(warnings.get(r, ())))
    assessment.accepted = accepted
    assessment.status = "accepted"
