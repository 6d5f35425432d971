"""Landing, archive, quarantine and reports: under the data root (the default), or on object storage
through fsspec when PLACEMENTS_LANDING_URL is `s3://bucket/prefix` (any S3-compatible endpoint, with the
usual AWS settings: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws, AWS_ENDPOINT_URL_S3) or
`az://container/prefix` (adlfs, with the usual AZURE_STORAGE_* settings).

On object storage the layout is the data root's: <prefix>/landing/<LA code>/<file>, <prefix>/archive/<LA>/,
<prefix>/quarantine/<LA>/, <prefix>/reports/<LA>/. A run stages the landed objects into the data root's
landing folder, judges and records them there exactly as local files, then copies the sealed originals,
reasons and reports up, checks each copy, and only then deletes the landed object. A crash at any point
loses nothing (the object is still in the bucket) and loads nothing twice (content already recorded is a
duplicate at the next look).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.intake.landing import landed_files
from ingest.settings import Settings

log = logging.getLogger(__name__)
AREAS = ("archive", "quarantine", "reports")  # what a run writes and copies up
DONE = ".done"


class LandingUnreachable(RuntimeError):
    """The configured bucket or container cannot be listed or refuses the credentials (exit code 2)."""


@dataclass(frozen=True)
class Entry:
    """A landed file as the sensor sees it: where, for which LA, and what changes when it is rewritten."""

    key: str  # relative to landing: <LA>/<name>
    la_code: str
    signature: tuple  # local: size and modification time; object storage: size and ETag
    done_marker: bool
    path: Path | None = None  # a local file (its content is hashed when it is ready)
    etag: str = ""  # an object's ETag: a hash of its content, given by the store

    def content_id(self) -> str:
        """What identifies the content: its SHA-256 locally, the object's ETag in a bucket."""
        from ingest.intake.gate import file_sha256

        if self.path is None:
            return self.etag
        if self.path.is_symlink() or not self.path.is_file():  # never opened: named by where it is
            return hashlib.sha256(f"{self.path}|{self.path.lstat().st_ino}".encode()).hexdigest()
        return file_sha256(self.path)


class LocalInbox:
    """The data root's own folders: nothing to stage or copy."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def where(self) -> str:
        return str(self.settings.landing)

    def check(self) -> None:
        return None

    def entries(self) -> list[Entry]:
        found = []
        for landed in landed_files(self.settings.landing):
            stat = landed.path.lstat()  # a link is listed, never followed (the run refuses it)
            marker = landed.path.with_name(landed.path.name + DONE).exists()
            found.append(Entry(str(landed.path.relative_to(self.settings.landing)), landed.la_code,
                               (stat.st_size, stat.st_mtime_ns), marker, path=landed.path))
        return found

    def stage(self) -> list[tuple[str, Path]]:
        return []

    def settle(self, staged: list[tuple[str, Path]]) -> int:
        return 0

    def copy_up(self) -> None:
        return None

    def expire(self, cutoff: dt.datetime) -> int:
        return 0


def _safe_parts(relative: str) -> list[str] | None:
    """A key's parts below landing, or None when one could climb out or hide (`..`, `.x`, empty)."""
    parts = list(PurePosixPath(relative).parts)
    if not parts or any(p in {"", ".", ".."} or p.startswith(".") or "\\" in p for p in parts):
        return None
    return parts


class ObjectInbox:
    """A bucket or container through fsspec (s3fs, adlfs)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.url = settings.landing_url.rstrip("/")
        protocol, _, path = self.url.partition("://")
        if protocol not in {"s3", "az", "abfs"} or not path:
            raise LandingUnreachable(f"PLACEMENTS_LANDING_URL must be s3://bucket/prefix or az://container/prefix, "
                                     f"not {self.url!r}.")
        self.protocol, self.root = protocol, path

    def where(self) -> str:
        return self.url

    @property
    def fs(self):
        import fsspec

        return fsspec.filesystem(self.protocol, skip_instance_cache=True)

    def _path(self, area: str, relative: str = "") -> str:
        return f"{self.root}/{area}" + (f"/{relative}" if relative else "")

    def check(self) -> None:
        """List the landing prefix once: an unknown bucket, a wrong endpoint or refused credentials end here,
        before anything is read or moved, with one line saying what and how to fix it."""
        try:
            fs = self.fs
            fs.ls(self.root.split("/")[0], detail=False)
        except Exception as exc:  # noqa: BLE001 - botocore, aiohttp and adlfs raise many types; all mean the same
            raise LandingUnreachable(_why(exc, self.url)) from None

    def _listing(self) -> dict[str, dict]:
        landing = self._path("landing")
        try:
            found = self.fs.find(landing, detail=True)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # noqa: BLE001
            raise LandingUnreachable(_why(exc, self.url)) from None
        return {key[len(landing) + 1:]: info for key, info in found.items() if info.get("type") != "directory"}

    def entries(self) -> list[Entry]:
        listing = self._listing()
        found = []
        for relative, info in sorted(listing.items()):
            parts = _safe_parts(relative)
            if parts is None or relative.endswith(DONE):
                continue
            etag = str(info.get("ETag") or info.get("etag") or "").strip('"') \
                or hashlib.sha256(repr(sorted(info.items())).encode()).hexdigest()
            found.append(Entry(relative, parts[0] if len(parts) > 1 else "", (info.get("size"), etag),
                               relative + DONE in listing, etag=etag))
        return found

    def stage(self) -> list[tuple[str, Path]]:
        """Copy every landed object into the data root's landing folder; returns (object key, local path)."""
        fs, staged = self.fs, []
        for relative, _info in sorted(self._listing().items()):
            parts = _safe_parts(relative)
            if parts is None:
                log.warning("landing: %s skipped: its name could leave the LA's folder", relative[:200])
                continue
            if relative.endswith(DONE):
                continue
            local = self.settings.landing.joinpath(*parts)
            local.parent.mkdir(parents=True, exist_ok=True)
            partial = local.with_name("." + local.name + ".staging")  # hidden: never taken as landed
            fs.get_file(self._path("landing", relative), str(partial))
            partial.replace(local)
            staged.append((relative, local))
        return staged

    def land(self, folder: Path) -> int:
        """Put every file under folder/<LA>/ into the bucket's landing, as an LA would (the demo)."""
        fs, files = self.fs, sorted(p for p in folder.rglob("*") if p.is_file())
        for path in files:
            fs.put_file(str(path), self._path("landing", path.relative_to(folder).as_posix()))
        return len(files)

    def _copy_up(self, fs, local: Path, area: str) -> None:
        """Copy one file of archive, quarantine or reports up and read it back: the landed object is
        deleted only after every copy checked."""
        relative = local.relative_to(self.settings.home / area).as_posix()
        remote = self._path(area, relative)
        data = local.read_bytes()
        fs.pipe_file(remote, data)
        if fs.cat_file(remote) != data:
            raise OSError(f"the copy of {area}/{relative} on {self.url} did not read back identical")

    @property
    def _ledger_path(self) -> Path:
        return self.settings.home / ".copied-up.json"

    def copy_up(self) -> None:
        """Archive, quarantine and reports up to the bucket: files new or rewritten since they were last
        copied (an erasure rewrites the originals that held the child), each read back. A ledger of what
        was copied (size and change time) keeps a night from re-reading the whole archive; a crash before
        it is written means some files are copied again, which is harmless."""
        try:
            ledger = json.loads(self._ledger_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            ledger = {}
        fs, copied = self.fs, {}
        for area in AREAS:
            folder = self.settings.home / area
            for local in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
                name = local.relative_to(self.settings.home).as_posix()
                stat = local.stat()
                stamp = [stat.st_size, stat.st_ctime_ns]
                if ledger.get(name) != stamp:
                    self._copy_up(fs, local, area)
                copied[name] = stamp
        partial = self._ledger_path.with_suffix(".partial")
        partial.write_text(json.dumps(copied), encoding="utf-8")
        partial.replace(self._ledger_path)

    def expire(self, cutoff: dt.datetime) -> int:
        """Retention in the bucket: archived and quarantined objects received before `cutoff` (their names
        start with the time of receipt) are deleted. Returns the originals deleted."""
        fs, removed = self.fs, 0
        for area in ("archive", "quarantine"):
            try:
                keys = fs.find(self._path(area))
            except FileNotFoundError:
                continue
            for key in keys:
                stamp = key.rsplit("/", 1)[-1].split("_", 1)[0]
                try:
                    received = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S")
                except ValueError:
                    continue  # not a sealed original's name: left alone
                if received < cutoff:
                    fs.rm_file(key)
                    removed += 0 if key.endswith(".reason.txt") else 1
        return removed

    def settle(self, staged: list[tuple[str, Path]]) -> int:
        """After the run recorded and sealed the staged files: copy archive, quarantine and reports up, then
        delete each landed object whose staged copy the run settled (no longer in landing). Returns deleted."""
        fs = self.fs
        self.copy_up()
        deleted = 0
        for relative, local in staged:
            if local.exists():  # not settled (the run stopped first): it stays in the bucket
                continue
            for key in (relative, relative + DONE):
                path = self._path("landing", key)
                if fs.exists(path):
                    fs.rm_file(path)
            deleted += 1
        return deleted


def _why(exc: Exception, url: str) -> str:
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    lowered = text.lower() + type(exc).__name__.lower()
    if "credential" in lowered or "accessdenied" in lowered or "forbidden" in lowered or "signature" in lowered \
            or "invalidaccesskeyid" in lowered or isinstance(exc, PermissionError):
        hint = ("check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or "
                "~/.aws/credentials; for Azure AZURE_STORAGE_*) and that they may list, read, write and delete "
                "under the prefix")
    elif "nosuchbucket" in lowered or isinstance(exc, FileNotFoundError):
        hint = "create the bucket or correct its name in PLACEMENTS_LANDING_URL"
    elif isinstance(exc, ImportError):
        hint = "install the filesystem package for this URL (s3fs for s3://, adlfs for az://)"
    else:
        hint = "check the endpoint (AWS_ENDPOINT_URL_S3 for an S3-compatible store) and the network"
    return f"The landing storage at {url} cannot be used: {text}. Fix: {hint}."


def inbox_for(settings: Settings) -> LocalInbox | ObjectInbox:
    return ObjectInbox(settings) if settings.landing_url else LocalInbox(settings)
