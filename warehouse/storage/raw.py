"""The raw zone of the warehouse: submissions and their accepted rows with lineage. Each file is loaded
in one transaction, so a killed process leaves no partial file. The columns of `raw.placements` are the
contract's (lineage, fields, derived), in its order."""

from __future__ import annotations

import datetime as dt

import duckdb

from ingest.intake.gate import Assessment
from ingest.standard.contract import Contract

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
    report_path VARCHAR
)
"""

FILE_EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS raw.file_events (
    run_id VARCHAR, la_code VARCHAR, file_name VARCHAR, file_sha256 VARCHAR, seen_at TIMESTAMP, outcome VARCHAR
)
"""


def ensure_schema(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(SUBMISSIONS_DDL)
    con.execute(FILE_EVENTS_DDL)
    columns = ",\n".join(f"    {c.name} {SQL_TYPES[c.type]}{' NOT NULL' if c.name in NOT_NULL else ''}"
                          for c in contract.raw_columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.placements (\n{columns}\n)")


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
            "INSERT INTO raw.submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sid, assessment.la_code, assessment.file_name, assessment.sha256, received_at,
                assessment.status, assessment.version, assessment.layout, assessment.rows_received,
                assessment.rows_accepted, assessment.rows_rejected, assessment.rows_with_warnings,
                assessment.rows_erased, assessment.reason, report_path,
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
    for c in contract.stored_columns:
        if c.type == "integer":
            frame[c.name] = frame[c.name].astype("Int64")
        elif c.type != "money":  # money stays Decimal: DuckDB reads Decimal objects as DECIMAL, exactly
            frame[c.name] = frame[c.name].astype(object)
    frame["not_collected_"] = [assessment.not_collected] * len(frame)
    con.register("incoming", frame)
    casts = ",\n".join(f"CAST({c.name} AS {SQL_TYPES[c.type]}) AS {c.name}" for c in contract.stored_columns)
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
