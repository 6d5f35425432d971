"""The raw zone of the warehouse: submissions and their accepted rows with lineage. A batch of files is
recorded in one transaction, so a killed process leaves no partial file. The columns of `raw.placements`
are the contract's (lineage, fields, derived), in its order."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ingest.intake.gate import Assessment
from ingest.standard.contract import Contract
from warehouse.storage.engines import insert_frame

SQL_TYPES = {
    "string": "VARCHAR",
    "category": "VARCHAR",
    "category_list": "VARCHAR[]",
    "integer": "INTEGER",
    "money": "DECIMAL(12,2)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "string_list": "VARCHAR[]",
}
LIST_TYPES = {"category_list", "string_list"}
NOT_NULL = {"submission_id", "la_code", "file_name", "file_sha256", "received_at", "source_row", "standard_version"}

SUBMISSIONS_DDL = """
CREATE TABLE IF NOT EXISTS raw.submissions (
    submission_id VARCHAR PRIMARY KEY,   -- la_code + file SHA-256: one row per distinct content per LA
    la_code VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,             -- accepted | rejected
    standard_version VARCHAR,
    layout VARCHAR,
    rows_received INTEGER,
    rows_accepted INTEGER,
    rows_rejected INTEGER,
    rows_with_warnings INTEGER,
    rows_erased INTEGER,                 -- rows of children erased on request, not loaded
    reason VARCHAR,
    report_path VARCHAR,
    required_completeness FLOAT8         -- share of required cells filled in the rows received
)
"""

SUBMISSION_COLUMNS = ("submission_id", "la_code", "file_name", "file_sha256", "received_at", "status",
                      "standard_version", "layout", "rows_received", "rows_accepted", "rows_rejected",
                      "rows_with_warnings", "rows_erased", "reason", "report_path", "required_completeness")

FILE_EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS raw.file_events (
    run_id VARCHAR, la_code VARCHAR, file_name VARCHAR, file_sha256 VARCHAR, seen_at TIMESTAMP, outcome VARCHAR
)
"""


def ensure_schema(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(SUBMISSIONS_DDL)
    # warehouses built before the column existed gain it (their earlier submissions stay NULL)
    con.execute("ALTER TABLE raw.submissions ADD COLUMN IF NOT EXISTS required_completeness FLOAT8")
    con.execute(FILE_EVENTS_DDL)
    columns = ",\n".join(f"    {c.name} {SQL_TYPES[c.type]}{' NOT NULL' if c.name in NOT_NULL else ''}"
                          for c in contract.raw_columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.placements (\n{columns}\n)")


def submission_id(la_code: str, sha256: str) -> str:
    return f"{la_code}-{sha256[:16]}"


def loaded_contents(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(LA code, file SHA-256) of every file content already accepted: a later copy is a duplicate."""
    return set(con.execute("SELECT la_code, file_sha256 FROM raw.submissions WHERE status = 'accepted'").fetchall())


@dataclass(frozen=True)
class Received:
    """One assessed file to record: its assessment, when it was received, where its report is."""

    assessment: Assessment
    received_at: dt.datetime
    report_path: str
    run_id: str = ""


def record_submissions(con: duckdb.DuckDBPyConnection, contract: Contract, batch: list[Received]) -> None:
    """Write the submission rows, file events and accepted rows of several files in one transaction: the
    batch, and so each file of it, is all or nothing (a killed process leaves none of it). One INSERT for
    all the batch's rows: per-statement overhead would otherwise dominate a backfill of thousands of files."""
    if not batch:
        return
    submissions = [[
        submission_id(r.assessment.la_code, r.assessment.sha256), r.assessment.la_code, r.assessment.file_name,
        r.assessment.sha256, r.received_at, r.assessment.status, r.assessment.version, r.assessment.layout,
        r.assessment.rows_received, r.assessment.rows_accepted, r.assessment.rows_rejected,
        r.assessment.rows_with_warnings, r.assessment.rows_erased, r.assessment.reason, r.report_path,
        r.assessment.required_completeness,
    ] for r in batch]
    events = [[r.run_id, r.assessment.la_code, r.assessment.file_name, r.assessment.sha256, r.received_at,
               r.assessment.status] for r in batch]
    loaded = [r for r in batch if r.assessment.status == "accepted" and r.assessment.accepted is not None
              and len(r.assessment.accepted)]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.submissions WHERE submission_id IN ?", [[row[0] for row in submissions]])
        con.executemany(f"INSERT INTO raw.submissions ({', '.join(SUBMISSION_COLUMNS)}) "
                        f"VALUES ({', '.join('?' for _ in SUBMISSION_COLUMNS)})", submissions)
        con.executemany("INSERT INTO raw.file_events VALUES (?, ?, ?, ?, ?, ?)", events)
        if loaded:
            _insert_rows(con, contract, _with_lineage(loaded))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _with_lineage(loaded: list[Received]) -> pd.DataFrame:
    """The accepted rows of several files as one frame, each row with its file's lineage."""
    frame = pd.concat([r.assessment.accepted for r in loaded], ignore_index=True)
    counts = [len(r.assessment.accepted) for r in loaded]
    for column, values in (
        ("submission_id", [submission_id(r.assessment.la_code, r.assessment.sha256) for r in loaded]),
        ("la_code", [r.assessment.la_code for r in loaded]), ("file_name", [r.assessment.file_name for r in loaded]),
        ("file_sha256", [r.assessment.sha256 for r in loaded]), ("received_at", [r.received_at for r in loaded]),
        ("standard_version", [r.assessment.version for r in loaded]),
    ):
        frame[column] = np.repeat(np.array(values, dtype=object), counts)
    frame["not_collected"] = [r.assessment.not_collected for r, n in zip(loaded, counts, strict=True)
                              for _ in range(n)]
    return frame


def _insert_rows(con, contract: Contract, frame: pd.DataFrame) -> None:
    """Every column reaches DuckDB with a pandas type it reads without guessing: text (money as the
    Decimal's own text, cast to DECIMAL in SQL, exactly; lists as JSON text), nullable integers and
    booleans, datetimes. A column of Python objects would be sampled to infer its type, slowly, and
    wrongly when the sampled lists happen to be empty or a later amount is wider than the sampled ones."""
    typed = {"integer": "Int64", "boolean": "boolean"}
    frame = frame.astype({c.name: typed[c.type] for c in contract.raw_columns if c.type in typed})
    for c in contract.raw_columns:
        if c.type in {"string", "category", "money"}:
            frame[c.name] = frame[c.name].astype("string")  # str() of each value; None stays missing
        elif c.type in LIST_TYPES:
            frame[c.name] = pd.array([None if v is None else json.dumps(list(v)) for v in frame[c.name]],
                                     dtype="string")
        elif c.type == "date":
            frame[c.name] = pd.to_datetime(frame[c.name])
    insert_frame(con, "raw.placements", frame, {c.name: SQL_TYPES[c.type] for c in contract.raw_columns},
                 {c.name for c in contract.raw_columns if c.type in LIST_TYPES})


def log_file_event(con, run_id: str, la_code: str, file_name: str, sha256: str, outcome: str) -> None:
    con.execute(
        "INSERT INTO raw.file_events VALUES (?, ?, ?, ?, ?, ?)",
        [run_id, la_code, file_name, sha256, dt.datetime.now(dt.UTC).replace(tzinfo=None), outcome],
    )
