"""The raw zone of the warehouse: submissions, their accepted rows with lineage, and the contract's
controlled values. Each file is loaded in one transaction, so a killed process leaves no partial file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from ingest.contract import Contract, vocabulary_rows
from ingest.gate import Assessment

SQL_TYPES = {
    "string": "VARCHAR",
    "category": "VARCHAR",
    "category_list": "VARCHAR[]",
    "integer": "INTEGER",
    "money": "DECIMAL(12,2)",
    "boolean": "BOOLEAN",
    "date": "DATE",
}

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
    reason VARCHAR,
    report_path VARCHAR
)
"""

FILE_EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS raw.file_events (
    run_id VARCHAR, la_code VARCHAR, file_name VARCHAR, file_sha256 VARCHAR, seen_at TIMESTAMP, outcome VARCHAR
)
"""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path))


def ensure_schema(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(SUBMISSIONS_DDL)
    con.execute(FILE_EVENTS_DDL)
    field_columns = ",\n".join(f"    {f.name} {SQL_TYPES[f.type]}" for f in contract.fields)
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS raw.placements (
    submission_id VARCHAR NOT NULL,
    la_code VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    source_row INTEGER NOT NULL,
    standard_version VARCHAR NOT NULL,
    not_collected VARCHAR[],   -- fields this version of the standard does not ask for (not: left blank)
    warning_codes VARCHAR[],
{field_columns}
)"""
    )
    # The contract's vocabularies, refreshed every run: dbt's accepted-values tests read this table.
    con.execute("CREATE OR REPLACE TABLE raw.contract_values (field_name VARCHAR, vocabulary VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO raw.contract_values VALUES (?, ?, ?)", vocabulary_rows(contract))


def submission_id(la_code: str, sha256: str) -> str:
    return f"{la_code}-{sha256[:16]}"


def already_loaded(con: duckdb.DuckDBPyConnection, la_code: str, sha256: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM raw.submissions WHERE submission_id = ? AND status = 'accepted'",
        [submission_id(la_code, sha256)],
    ).fetchone()
    return bool(row and row[0])


def record_submission(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    assessment: Assessment,
    received_at: dt.datetime,
    report_path: str,
) -> None:
    """Write the submission row and, when accepted, its rows, all or nothing."""
    sid = submission_id(assessment.la_code, assessment.sha256)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.submissions WHERE submission_id = ?", [sid])
        con.execute(
            "INSERT INTO raw.submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sid, assessment.la_code, assessment.file_name, assessment.sha256, received_at,
                assessment.status, assessment.version, assessment.layout, assessment.rows_received,
                assessment.rows_accepted, assessment.rows_rejected, assessment.rows_with_warnings,
                assessment.reason, report_path,
            ],
        )
        if assessment.status == "accepted" and assessment.accepted is not None and len(assessment.accepted):
            _insert_rows(con, contract, assessment, sid, received_at)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _insert_rows(con, contract: Contract, assessment: Assessment, sid: str, received_at: dt.datetime) -> None:
    frame = assessment.accepted.copy()
    for f in contract.fields:
        if f.type == "money":  # Decimal objects travel as text and are cast exactly in SQL
            frame[f.name] = frame[f.name].map(lambda v: None if v is None or pd.isna(v) else str(v))
        elif f.type == "integer":
            frame[f.name] = frame[f.name].astype("Int64")
    frame = frame.astype({f.name: object for f in contract.fields if f.type in {"string", "category", "date"}})
    frame["not_collected_"] = [assessment.not_collected] * len(frame)
    con.register("incoming", frame)
    casts = ",\n".join(f"CAST({f.name} AS {SQL_TYPES[f.type]}) AS {f.name}" for f in contract.fields)
    con.execute(
        f"""INSERT INTO raw.placements BY NAME
        SELECT ? AS submission_id, ? AS la_code, ? AS file_name, ? AS file_sha256, ? AS received_at,
               source_row, ? AS standard_version, CAST(not_collected_ AS VARCHAR[]) AS not_collected,
               CAST(warning_codes AS VARCHAR[]) AS warning_codes,
               {casts}
        FROM incoming""",
        [sid, assessment.la_code, assessment.file_name, assessment.sha256, received_at,
         assessment.version],
    )
    con.unregister("incoming")


def log_file_event(con, run_id: str, la_code: str, file_name: str, sha256: str, outcome: str) -> None:
    con.execute(
        "INSERT INTO raw.file_events VALUES (?, ?, ?, ?, ?, ?)",
        [run_id, la_code, file_name, sha256, dt.datetime.now(dt.UTC).replace(tzinfo=None), outcome],
    )
