"""Tombstones of erased children: what keeps an erasure holding.

`placements forget` adds a keyed mark of the LA and the child (encryption.tombstone: HMAC under a key
derived from the storage key; no identifier is kept). The intake drops every row of a marked child from
any later submission or archive reload and counts it as erased on request. The ledger is a sealed file
beside the archive, not a warehouse table, so that a warehouse rebuilt from the archive still honours it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ingest.settings import Settings
from warehouse.security.encryption import load_storage_key, read_sealed, tombstone, write_sealed


def ledger_path(settings: Settings) -> Path:
    return settings.home / "erasure" / "tombstones.sealed"


def marks(settings: Settings) -> set[tuple[str, str]]:
    """(LA code, mark) of every erased child."""
    path = ledger_path(settings)
    if not path.exists():
        return set()
    entries = json.loads(read_sealed(path, load_storage_key()))
    return {(e["la_code"], e["mark"]) for e in entries}


def add(settings: Settings, la_code: str, child_id: str) -> bool:
    """Record the tombstone of one child (child_id as conform normalises it); False if already there."""
    key = load_storage_key()
    mark = tombstone(key, la_code, child_id)
    path = ledger_path(settings)
    entries = json.loads(read_sealed(path, key)) if path.exists() else []
    if any(e["la_code"] == la_code and e["mark"] == mark for e in entries):
        return False
    entries.append({"la_code": la_code, "mark": mark,
                    "erased_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_sealed(path, json.dumps(entries).encode(), key)
    return True


def is_erased(erased: set[tuple[str, str]], storage_key: bytes, la_code: str, child_id: str | None) -> bool:
    return child_id is not None and (la_code, tombstone(storage_key, la_code, child_id)) in erased
