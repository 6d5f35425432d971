"""Which pseudonymisation key the warehouse was built with, and how it changes.

The warehouse records the fingerprint of the key (never the key) on its first run. A run, or `forget`,
with a different key stops before touching anything: pseudonyms made with two keys would split every
child in two. A region that means to change its key runs `placements rotate-key`, which re-keys every
stored pseudonym in one transaction from the raw zone's identifiers, so old and new pseudonyms never mix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from warehouse.security.pseudonymise import key_version, pseudonym
from warehouse.storage.sql import qualified

KEYS_DDL = """CREATE TABLE IF NOT EXISTS audit.pseudonymisation_keys (
    key_version VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL, action VARCHAR NOT NULL,
    replaced_version VARCHAR, pseudonyms_rekeyed BIGINT)"""
BUILT_SCHEMAS = ("staging", "intermediate", "marts")
PSEUDONYM_COLUMNS = {"child_key": "child", "referral_key": "referral"}


class KeyMismatch(RuntimeError):
    """The key given is not the one the warehouse was built with."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def recorded_version(con: duckdb.DuckDBPyConnection) -> str | None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(KEYS_DDL)
    row = con.execute("SELECT key_version FROM audit.pseudonymisation_keys ORDER BY recorded_at DESC LIMIT 1"
                      ).fetchone()
    return row[0] if row else None


def check_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Record the key's fingerprint on first use; refuse a different key afterwards."""
    recorded, current = recorded_version(con), key_version(key)
    if recorded is None:
        con.execute("INSERT INTO audit.pseudonymisation_keys VALUES (?, ?, 'first use', NULL, NULL)",
                    [current, _now()])
    elif recorded != current:
        raise KeyMismatch(
            f"The pseudonymisation key is not the one this warehouse was built with (fingerprint {recorded}; the "
            f"key given has {current}). Nothing was loaded. Set the region's key; if the region has changed its "
            "key on purpose, run `placements rotate-key --old-key-file FILE` once with the new key set.")


@dataclass
class Rotation:
    old_version: str
    new_version: str
    pseudonyms: int = 0


def _tables_with(con, column: str) -> list[tuple[str, str]]:
    return con.execute(
        """SELECT c.table_schema, c.table_name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE c.column_name = ? AND c.table_schema IN ? AND t.table_type = 'BASE TABLE'
           ORDER BY 1, 2""", [column, list(BUILT_SCHEMAS)]).fetchall()


def rotate(con: duckdb.DuckDBPyConnection, old_key: bytes, new_key: bytes) -> Rotation:
    """Re-key every stored child and referral pseudonym from `old_key` to `new_key`, in one transaction.
    The raw zone holds the identifiers both pseudonyms are made from; a pseudonym with no identifier left
    in raw (its rows erased) cannot be re-keyed and is deleted, as erasure would have."""
    recorded = recorded_version(con)
    old, new = key_version(old_key), key_version(new_key)
    if recorded is not None and recorded != old:
        raise KeyMismatch(f"The old key given (fingerprint {old}) is not the one this warehouse was built with "
                          f"({recorded}): nothing was changed.")
    if old == new:
        raise KeyMismatch("The new key is the same as the old one: nothing to rotate.")
    result = Rotation(old, new)
    con.execute("BEGIN TRANSACTION")
    try:
        ids = con.execute("SELECT DISTINCT la_code, child_id, referral_identity FROM raw.placements").fetchall()
        mapping = {}
        for la, child, referral in ids:
            mapping[pseudonym(old_key, la, child)] = pseudonym(new_key, la, child)
            mapping[pseudonym(old_key, la, referral)] = pseudonym(new_key, la, referral)
        con.execute("CREATE TEMP TABLE rekey (old VARCHAR PRIMARY KEY, new VARCHAR)")
        con.executemany("INSERT INTO rekey VALUES (?, ?)", [(o, n) for o, n in mapping.items() if o])
        for column in PSEUDONYM_COLUMNS:
            for schema, table in _tables_with(con, column):
                name = qualified(schema, table)
                con.execute(f"DELETE FROM {name} WHERE {column} NOT IN (SELECT old FROM rekey)")
                result.pseudonyms += con.execute(
                    f"UPDATE {name} SET {column} = rekey.new FROM rekey WHERE {name}.{column} = rekey.old"
                ).fetchone()[0]
        for schema, table in _tables_with(con, "child_key_version"):
            con.execute(f"UPDATE {qualified(schema, table)} SET child_key_version = ?", [new])
        con.execute("DROP TABLE rekey")
        con.execute("INSERT INTO audit.pseudonymisation_keys VALUES (?, ?, 'rotated', ?, ?)",
                    [new, _now(), old, result.pseudonyms])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return result
