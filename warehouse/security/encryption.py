"""Identifiers at rest: the warehouse file and the archived and quarantined originals are encrypted with
the region's storage key (PLACEMENTS_STORAGE_KEY or PLACEMENTS_STORAGE_KEY_FILE), a key separate from the
pseudonymisation key. The published file and the exports hold no identifiers and stay plain.

From the one storage key, HKDF derives a key per purpose (warehouse, files, tombstones), so no two uses
share key material. Files are sealed with AES-256-GCM (the `cryptography` package): a small header, a
random nonce, the ciphertext and its tag; anything altered fails to open rather than reading as garbage.
The warehouse uses DuckDB's own database encryption (AES-GCM, with OpenSSL from the httpfs extension that
the duckdb-extension-httpfs package ships, loaded from disk: nothing is downloaded).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ingest.settings import secret_value

STORAGE_KEY_ENV = "PLACEMENTS_STORAGE_KEY"
STORAGE_KEY_FILE_ENV = "PLACEMENTS_STORAGE_KEY_FILE"
MIN_KEY_BYTES = 16
MAGIC = b"PLACEMENTS-SEALED-1\n"  # a sealed file starts with this line
NONCE_BYTES = 12


class MissingStorageKey(RuntimeError):
    pass


class SealBroken(RuntimeError):
    """A sealed file could not be opened: wrong key, or the file was altered or truncated."""


def load_storage_key() -> bytes:
    value = secret_value(STORAGE_KEY_ENV, STORAGE_KEY_FILE_ENV)
    if not value:
        raise MissingStorageKey(
            f"No storage key: set {STORAGE_KEY_ENV} (or {STORAGE_KEY_FILE_ENV} to a file holding it). It encrypts "
            "the warehouse and the archived returns, which hold children's identifiers; keep it outside this "
            "repository, apart from the pseudonymisation key, and never lose it (without it the warehouse and "
            "archive cannot be read).")
    if len(value.encode("utf-8")) < MIN_KEY_BYTES:
        raise MissingStorageKey(f"The storage key is too short: use at least {MIN_KEY_BYTES} characters.")
    return value.encode("utf-8")


@cache
def subkey(storage_key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose, derived from the storage key (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"placements-warehouse",
                info=f"placements {purpose}".encode()).derive(storage_key)


def warehouse_passphrase(storage_key: bytes) -> str:
    """What DuckDB's ENCRYPTION_KEY receives for the warehouse file (hex of the derived key)."""
    return subkey(storage_key, "warehouse database").hex()


def seal(data: bytes, storage_key: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(subkey(storage_key, "files")).encrypt(nonce, data, MAGIC)


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def unseal(blob: bytes, storage_key: bytes) -> bytes:
    if not is_sealed(blob):
        raise SealBroken("not a sealed placements file")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(subkey(storage_key, "files")).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:], MAGIC)
    except Exception as exc:  # InvalidTag: wrong key or altered bytes
        raise SealBroken("the file could not be decrypted: wrong storage key, or the file was altered") from exc


def write_sealed(path: Path, data: bytes, storage_key: bytes) -> Path:
    """Write `data` sealed, atomically (aside, then renamed), readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(seal(data, storage_key))
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return path


def read_sealed(path: Path, storage_key: bytes) -> bytes:
    return unseal(path.read_bytes(), storage_key)


def tombstone(storage_key: bytes, la_code: str, child_id: str) -> str:
    """A keyed, one-way mark of an erased child (LA and normalised child id): the warehouse can recognise
    the child if it is submitted again without ever storing who it was."""
    return hmac.new(subkey(storage_key, "tombstones"), f"{la_code}\x1f{child_id}".encode(),
                    hashlib.sha256).hexdigest()


def ensure_local_secret(path: Path) -> str:
    """Demo only: a random key kept in a local file, created once (the demo's storage and pseudonymisation
    keys). A real region's keys come from its own secret store."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return str(path)
