"""Quoting for the few places where DuckDB's grammar takes no bound parameter (ATTACH's path, table
names). Everything else passes values as parameters."""

from __future__ import annotations


def literal(text: str) -> str:
    """A string as an SQL literal: quotes doubled, so a path or name can never end the literal."""
    return "'" + str(text).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A schema, table or column name as a quoted identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{identifier(schema)}.{identifier(table)}"
