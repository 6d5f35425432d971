"""Keyed pseudonyms for children: HMAC-SHA256 over LA code and child id.

The key comes from PLACEMENTS_PSEUDONYMISATION_KEY or the file named by
PLACEMENTS_PSEUDONYMISATION_KEY_FILE and lives only in this process's memory: SQL calls the
registered function by name, so the key never reaches SQL text, dbt's target/ or logs. DuckDB has no
HMAC, so dbt reaches these functions through the dbt-duckdb plugin in warehouse/transform/plugin.py.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from ingest.settings import secret_value

KEY_ENV = "PLACEMENTS_PSEUDONYMISATION_KEY"
KEY_FILE_ENV = "PLACEMENTS_PSEUDONYMISATION_KEY_FILE"
MIN_KEY_BYTES = 16


class MissingKey(RuntimeError):
    pass


def load_key() -> bytes:
    value = secret_value(KEY_ENV, KEY_FILE_ENV)
    if not value:
        raise MissingKey(
            f"No pseudonymisation key: set {KEY_ENV} (or {KEY_FILE_ENV} to a file holding it). "
            "It must be the region's secret key, the same for every run, kept outside this repository."
        )
    return parse_key(value, "The pseudonymisation key")


def parse_key(value: str, what: str) -> bytes:
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise MissingKey(f"{what} is too short: use at least {MIN_KEY_BYTES} characters.")
    return key


def key_version(key: bytes) -> str:
    """A short, non-reversible fingerprint of the key, stored beside each pseudonym so that a key
    rotation can tell old pseudonyms from new ones."""
    return hmac.new(key, b"placements-key-version", hashlib.sha256).hexdigest()[:8]


def pseudonym(key: bytes, la_code: str | None, child_id: str | None) -> str | None:
    if la_code is None or child_id is None:
        return None
    message = f"{la_code}\x1f{child_id}".encode()  # child_id as conform normalised it (identity.py)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@cache
def _cached_key() -> bytes:
    return load_key()


def register_functions(conn) -> None:
    """pseudonymise_child(la, value) and pseudonymisation_key_version() on a DuckDB connection."""
    from duckdb.sqltypes import VARCHAR

    key = _cached_key()
    conn.create_function(
        "pseudonymise_child", lambda la, child: pseudonym(key, la, child), [VARCHAR, VARCHAR], VARCHAR,
        null_handling="special",
    )
    version = key_version(key)
    conn.create_function("pseudonymisation_key_version", lambda: version, [], VARCHAR)
