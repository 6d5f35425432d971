"""The archive and the quarantine: every landed file ends in one of them, sealed with the storage key.

A move is copy, verify, then delete: the sealed copy is written aside, read back and compared before the
landing file is removed, so a crash at any point leaves the file in landing (to be seen again, as a
duplicate if its rows were committed) and never loses it. Links, pipes and other non-regular entries are
never opened: the entry itself is moved to quarantine.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.intake.landing import LandedFile, la_folder, safe_name
from ingest.settings import Settings
from warehouse.security.encryption import load_storage_key, read_sealed, write_sealed

NAME_PARTS = 3  # <received %Y%m%dT%H%M%S>_<first 8 of the original content's SHA-256>_<safe original name>


@dataclass(frozen=True)
class Stored:
    """One archived or quarantined original."""

    path: Path
    la_code: str
    sha8: str  # of the content as received (a rewritten file keeps its original's name)
    original_name: str


def _target(folder: Path, landed: LandedFile, sha256: str, when: dt.datetime) -> Path:
    target_dir = folder / la_folder(landed.la_code)
    target_dir.mkdir(parents=True, exist_ok=True)
    return target_dir / f"{when:%Y%m%dT%H%M%S}_{sha256[:8]}_{safe_name(landed.path.name)}"


def _remove_landed(landed: LandedFile) -> None:
    landed.path.unlink()
    done = landed.path.with_name(landed.path.name + ".done")
    done.unlink(missing_ok=True)


def store(folder: Path, landed: LandedFile, sha256: str, when: dt.datetime, content: bytes | None = None) -> Path:
    """Seal a landed file (or `content` in its place: the file without rows of erased children) into
    folder/<LA>/ and remove it from landing; returns the sealed path."""
    target = _target(folder, landed, sha256, when)
    if not landed.regular:  # never read: move the link or pipe itself
        os.rename(landed.path, target)
        landed.path.with_name(landed.path.name + ".done").unlink(missing_ok=True)
        return target
    key = load_storage_key()
    data = landed.path.read_bytes() if content is None else content
    write_sealed(target, data, key)
    if read_sealed(target, key) != data:  # verify before the only other copy goes
        target.unlink()
        raise OSError(f"the sealed copy of {landed.shown} did not read back identical; it stays in landing")
    _remove_landed(landed)
    return target


def originals(folder: Path, la_code: str | None = None) -> Iterator[Stored]:
    """Sealed originals under folder (one LA's, or all), oldest first."""
    dirs = [folder / la_folder(la_code)] if la_code else sorted(p for p in folder.glob("*") if p.is_dir())
    for directory in dirs:
        for path in sorted(p for p in directory.glob("*") if p.is_file() and not p.name.endswith(".reason.txt")
                           and not p.name.startswith(".")):
            parts = path.name.split("_", NAME_PARTS - 1)
            if len(parts) == NAME_PARTS:
                yield Stored(path, directory.name, parts[1], parts[2])


def reload(settings: Settings, la_code: str | None = None) -> list[Path]:
    """Put archived originals back into landing, opened, for the next run to take in again (a warehouse
    rebuilt from its archive). Erased children stay out: their rows were removed from the archived files,
    and the intake drops any row of a tombstoned child."""
    key = load_storage_key()
    written = []
    for stored in originals(settings.archive, la_code):
        folder = settings.landing / stored.la_code
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"reload_{stored.sha8}_{stored.original_name}"
        target.write_bytes(read_sealed(stored.path, key))
        written.append(target)
    return written
