"""A warehouse built before a column of raw.submissions existed gains it on the next run, keeping its rows."""

import re

import duckdb

from ingest.standard.contract import load_contract
from warehouse.storage.raw import SUBMISSIONS_DDL, ensure_schema


def test_an_older_submissions_table_gains_required_completeness():
    older = re.sub(r",\s*required_completeness FLOAT8[^\n]*", "", SUBMISSIONS_DDL)
    assert "required_completeness" not in older
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(older)
        con.execute("INSERT INTO raw.submissions (submission_id, la_code, file_name, file_sha256, received_at, status) "
                    "VALUES ('840-ab', '840', 'q1.xlsx', 'ab', TIMESTAMP '2026-01-01', 'accepted')")
        ensure_schema(con, load_contract())
        rows = con.execute("SELECT submission_id, required_completeness FROM raw.submissions").fetchall()
    assert rows == [("840-ab", None)]
