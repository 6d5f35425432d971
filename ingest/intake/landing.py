"""The landing, archive and quarantine folders. File names are data, never paths."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class LandedFile:
    path: Path
    la_code: str  # the folder name: the only place an LA code is taken from


def safe_name(name: str) -> str:
    """A name safe to use as one path component: no separators, no leading dots, bounded length."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".") or "file"
    return cleaned[:120]


def la_folder(la_code: str) -> str:
    """The per-LA folder name under archive, quarantine and reports: safe, and named for files that
    arrived outside any LA folder."""
    return safe_name(la_code) if la_code else "_no_la_folder"


def landed_files(landing: Path) -> list[LandedFile]:
    """Every file under landing/<LA>/ (any depth), oldest first; hidden files and .done markers skipped.
    Files put directly in landing/ get the LA code '' and are quarantined as unknown LA."""
    found = []
    if not landing.exists():
        return found
    for path in landing.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(landing)
        if any(part.startswith(".") for part in rel.parts) or path.suffix == ".done":
            continue
        la_code = rel.parts[0] if len(rel.parts) > 1 else ""
        found.append(LandedFile(path=path, la_code=la_code))
    return sorted(found, key=lambda f: (f.path.stat().st_mtime, str(f.path)))


def move_to(folder: Path, landed: LandedFile, sha256: str, when: dt.datetime) -> Path:
    """Move a landed file into folder/<LA>/ under a unique, safe name; returns the new path."""
    target_dir = folder / la_folder(landed.la_code)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{when:%Y%m%dT%H%M%S}_{sha256[:8]}_{safe_name(landed.path.name)}"
    shutil.move(str(landed.path), target)
    done = landed.path.with_name(landed.path.name + ".done")
    if done.exists():
        done.unlink()
    return target
