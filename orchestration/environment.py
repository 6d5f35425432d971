"""What the `placements` command prepares before it loads the Dagster definitions. Called from the
command's entry point, never on import: loading the code location changes nothing and parses nothing."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ingest.settings import PROJECT_ROOT, Settings, load_settings
from warehouse.transform.parse_state import PROJECT_PARSE

DBT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"
DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def prepare_process() -> Settings:
    """The data root as an absolute path for dbt's profile (which runs in dbt_project/), the Dagster
    instance's home (dagster.yaml at the repo root, state under <data root>/dagster), and a dbt manifest
    that matches the project."""
    settings = load_settings().ensure()
    os.environ["PLACEMENTS_HOME"] = str(settings.home)
    if url := os.environ.get(DAGSTER_PG_URL, "").strip():
        os.environ[DAGSTER_PG_URL] = sqlalchemy_url(url)
    os.environ.setdefault("DAGSTER_HOME", str(dagster_home()))
    os.environ.setdefault("PLACEMENTS_DAGSTER_STORAGE", str(settings.home / "dagster"))
    (settings.home / "dagster").mkdir(parents=True, exist_ok=True)
    ensure_dbt_manifest()
    return settings


DAGSTER_PG_URL = "PLACEMENTS_DAGSTER_PG_URL"


def dagster_home() -> Path:
    """The instance's folder: the repo root (SQLite under the data root), or, when PLACEMENTS_DAGSTER_PG_URL
    is set, deploy/dagster-postgres (storage in PostgreSQL, shared by hosts)."""
    if os.environ.get(DAGSTER_PG_URL, "").strip():
        return PROJECT_ROOT / "deploy" / "dagster-postgres"
    return PROJECT_ROOT


def sqlalchemy_url(url: str) -> str:
    """dagster-postgres speaks through psycopg2, while SQLAlchemy 2.1 reads a bare postgresql:// URL as
    psycopg 3 (whose server-side parameters break the instance's NOTIFY): name the driver."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg2://{rest}" if sep and scheme in {"postgresql", "postgres"} else url


def _newest_source() -> float:
    newest = 0.0
    for name in DBT_SOURCES:
        path = DBT_DIR / name
        paths = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path] if path.exists() else []
        newest = max([newest, *(p.stat().st_mtime for p in paths)])
    return newest


def dbt_project_hash() -> str:
    """A digest of every file of the dbt project: a change means yesterday's incremental tables may not
    have today's shape or logic, so the next build starts from scratch."""
    digest = hashlib.sha256()
    for name in DBT_SOURCES:
        path = DBT_DIR / name
        for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if p.is_file():
                digest.update(str(p.relative_to(DBT_DIR)).encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()[:16]


def ensure_dbt_manifest() -> Path:
    """`dbt parse` when the manifest is missing or older than a file of the dbt project (partial parsing
    keeps a re-parse to seconds); otherwise nothing, so a nightly run starts without parsing.

    Several processes may start at once (a sensor's run and a person's, or test workers): one parses
    under a lock while the others wait, and the manifest appears whole by rename, so nobody ever loads a
    half-written file."""
    if _manifest_is_current():
        return MANIFEST
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with open(MANIFEST.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_is_current():  # parsed by another process while this one waited
            return MANIFEST
        scratch = PROJECT_PARSE  # dbt's own target folder: its partial parsing state stays here
        dbt = Path(sys.executable).parent / "dbt"
        result = subprocess.run([str(dbt), "parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                                 "--target-path", str(scratch), "--quiet"], capture_output=True, text=True, cwd=DBT_DIR)
        if result.returncode != 0:
            raise RuntimeError(f"dbt could not parse the project:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        partial = MANIFEST.with_suffix(".json.partial")
        shutil.copyfile(scratch / "manifest.json", partial)
        os.replace(partial, MANIFEST)
    return MANIFEST


def _manifest_is_current() -> bool:
    return MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source()
