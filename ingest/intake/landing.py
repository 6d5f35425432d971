"""The landing, archive and quarantine folders. File names are data, never paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class LandedFile:
    path: Path
    la_code: str  # the folder name: the only place an LA code is taken from
    regular: bool = True  # False: a link, pipe, socket or device, never opened (refused with F009)

    @property
    def shown(self) -> str:
        """The name as it may be printed or logged: control characters (a newline in a name could forge a
        log line) shown as '?'."""
        return printable(self.path.name)


def printable(name: str) -> str:
    return _CONTROL.sub("?", name)[:200]


def safe_name(name: str) -> str:
    """A name safe to use as one path component: no separators, no leading dots, bounded length."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".") or "file"
    return cleaned[:120]


def la_folder(la_code: str) -> str:
    """The per-LA folder name under archive, quarantine and reports: safe, and named for files that
    arrived outside any LA folder."""
    return safe_name(la_code) if la_code else "_no_la_folder"


def landed_files(landing: Path) -> list[LandedFile]:
    """Every entry under landing/<LA>/ (any depth) that is not a folder, oldest first; hidden names and .done
    markers skipped. Links are listed as not regular and never followed (a link to a folder is not
    descended into), so nothing outside landing is ever read. Files put directly in landing/ get the LA
    code '' and are quarantined as unknown LA."""
    found = []
    if not landing.exists():
        return found
    for path in landing.rglob("*"):  # Python 3.11's rglob does not descend into linked folders
        rel = path.relative_to(landing)
        if any(part.startswith(".") for part in rel.parts) or path.name.endswith(".done"):
            continue
        link = path.is_symlink()
        if path.is_dir() and not link:
            continue
        la_code = rel.parts[0] if len(rel.parts) > 1 else ""
        found.append(LandedFile(path=path, la_code=la_code, regular=path.is_file() and not link))
    return sorted(found, key=lambda f: (f.path.lstat().st_mtime, str(f.path)))
