"""Publishing on the PostgreSQL profile: the public marts copied into a schema built aside and swapped in
as `published` in one transaction (readers see yesterday's schema or today's, never a half-built one), and
the same tables copied, with their types and descriptions, into the analyst DuckDB file."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from warehouse.hub import PUBLISHED, grant_published
from warehouse.storage.engines import insert_frame
from warehouse.storage.sql import identifier, literal, qualified

BUILDING = "published_next"


def _comments(con, schema: str, table: str) -> tuple[str, list[tuple[str, str]]]:
    """The table's and its columns' descriptions, as dbt persisted them (persist_docs)."""
    name = qualified(schema, table)
    description = con.execute("SELECT obj_description(CAST(? AS regclass), 'pg_class')", [name]).fetchone()[0]
    columns = con.execute(
        "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a WHERE a.attrelid = "
        "CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped AND col_description(a.attrelid, a.attnum) "
        "IS NOT NULL ORDER BY a.attnum", [name]).fetchall()
    return description or "", columns


def comment_statements(target: str, description: str, columns: list[tuple[str, str]]) -> list[str]:
    """The COMMENT statements that give `target` its description and its columns' (also the DuckDB file's)."""
    statements = [f"COMMENT ON TABLE {target} IS {literal(description)}"] if description else []
    return statements + [f"COMMENT ON COLUMN {target}.{identifier(c)} IS {literal(t)}" for c, t in columns]


def swap_published(con, relations: Sequence[tuple[str, str]]) -> None:
    """Build every relation into a fresh schema, then replace `published` by it in one transaction."""
    con.execute(f"DROP SCHEMA IF EXISTS {BUILDING} CASCADE")
    con.execute(f"CREATE SCHEMA {BUILDING}")
    con.execute(f"REVOKE ALL ON SCHEMA {BUILDING} FROM PUBLIC")
    for schema, table in relations:
        target = qualified(BUILDING, table)
        con.execute(f"CREATE TABLE {target} AS SELECT * FROM {qualified(schema, table)}")
        for statement in comment_statements(target, *_comments(con, schema, table)):
            con.execute(statement)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DROP SCHEMA IF EXISTS {PUBLISHED} CASCADE")
        con.execute(f"ALTER SCHEMA {BUILDING} RENAME TO {PUBLISHED}")
        grant_published(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _duckdb_type(data_type: str, udt: str, precision, scale) -> str:
    if data_type == "numeric":
        return f"DECIMAL({precision},{scale})" if precision is not None else "DOUBLE"
    if data_type == "ARRAY":
        return "VARCHAR[]"
    return {"character varying": "VARCHAR", "text": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT",
            "smallint": "SMALLINT", "double precision": "DOUBLE", "real": "FLOAT", "boolean": "BOOLEAN",
            "date": "DATE", "timestamp without time zone": "TIMESTAMP"}.get(data_type, udt.upper())


def copy_to_duckdb(con, out, relations: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each published table into the analyst DuckDB file `out`, with DuckDB's equivalent of each column
    type and the descriptions. Values travel as text (lists as JSON) and are cast in DuckDB: exact for
    decimals, and floats keep their shortest round-trip spelling."""
    rows = {}
    for _, table in relations:
        columns = con.execute(
            "SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [PUBLISHED, table]).fetchall()
        types = {c: _duckdb_type(t, u, p, s) for c, t, u, p, s in columns}
        lists = {c for c, t in types.items() if t.endswith("[]")}
        name = identifier(table)
        out.execute(f"CREATE TABLE main.{name} ({', '.join(f'{identifier(c)} {t}' for c, t in types.items())})")
        # straight from the rows: a frame would turn an integer column with nulls into floats
        fetched = con.execute(f"SELECT * FROM {qualified(PUBLISHED, table)}").fetchall()
        text = pd.DataFrame({c: pd.array([None if row[i] is None else json.dumps(row[i]) if c in lists
                                          else str(row[i]) for row in fetched], dtype="string")
                             for i, c in enumerate(types)})
        if len(text):
            insert_frame(out, f"main.{name}", text, types, lists)
        rows[table] = len(text)
        for statement in comment_statements(f"main.{name}", *_comments(con, PUBLISHED, table)):
            out.execute(statement)
    return rows


