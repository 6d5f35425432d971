"""Keyed pseudonyms for children: HMAC-SHA256 over LA code and child id.

The key comes from PLACEMENTS_PSEUDONYMISATION_KEY or the file named by
PLACEMENTS_PSEUDONYMISATION_KEY_FILE and lives only in this process's memory: SQL calls the
registered function by name, so the key never reaches SQL text, dbt's target/ or logs. DuckDB has no
HMAC, so dbt reaches this through the dbt-duckdb plugin at the bottom of this module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

KEY_ENV = "PLACEMENTS_PSEUDONYMISATION_KEY"
KEY_FILE_ENV = "PLACEMENTS_PSEUDONYMISATION_KEY_FILE"
MIN_KEY_BYTES = 16


class MissingKey(RuntimeError):
    pass


def load_key() -> bytes:
    value = os.environ.get(KEY_ENV)
    if not value and os.environ.get(KEY_FILE_ENV):
        value = Path(os.environ[KEY_FILE_ENV]).read_text(encoding="utf-8").strip()
    if not value:
        raise MissingKey(
            f"No pseudonymisation key: set {KEY_ENV} (or {KEY_FILE_ENV} to a file holding it). "
            "It must be the region's secret key, the same for every run, kept outside this repository."
        )
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise MissingKey(f"The pseudonymisation key is too short: use at least {MIN_KEY_BYTES} characters.")
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


def ensure_local_key(path: Path) -> str:
    """Demo and tests only: a random key kept in a local file under data/, created once."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return str(path)


@cache
def _cached_key() -> bytes:
    return load_key()


def _register(conn) -> None:
    from duckdb.sqltypes import VARCHAR

    key = _cached_key()
    conn.create_function(
        "pseudonymise_child", lambda la, child: pseudonym(key, la, child), [VARCHAR, VARCHAR], VARCHAR,
        null_handling="special",
    )
    version = key_version(key)
    conn.create_function("pseudonymisation_key_version", lambda: version, [], VARCHAR)


try:  # the dbt-duckdb plugin: registers the functions on every connection dbt opens
    from dbt.adapters.duckdb.plugins import BasePlugin

    class Plugin(BasePlugin):
        def configure_connection(self, conn) -> None:
            _register(conn)
except ImportError:  # dbt is not installed where only the intake runs
    pass
