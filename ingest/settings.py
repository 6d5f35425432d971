"""Where things live and the knobs an operator may turn, from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one file may cause, checked before and while it is parsed, so that one odd or
    hostile file is refused in seconds and never stalls a night (rule F008)."""

    max_file_bytes: int = 50 * MB
    max_unpacked_bytes: int = 150 * MB  # an xlsx's parts once decompressed, all together
    max_compression_ratio: float = 200.0  # per xlsx part: XML of a real sheet compresses 10-30x
    max_rows: int = 50_000  # data rows (JSON records) in one file; a quarterly return has hundreds
    max_columns: int = 500  # the widest version of the standard has 52
    max_json_depth: int = 20  # a JSON-LD placement record nests 3 deep


@dataclass(frozen=True)
class Settings:
    home: Path
    limits: Limits = Limits()
    max_rejected_share: float = 0.5
    suppression_threshold: int = 5  # counts 1..threshold are suppressed in exports
    retention_days: int = 7 * 365 + 2  # raw rows and archived files are removed after this
    lock_wait_seconds: float = 30.0  # a second run waits this long for the first, then exits (code 3)
    # the regional hub profile: the warehouse on PostgreSQL, landing on object storage (None: under home)
    warehouse_url: str | None = None  # postgresql://user@host:port/dbname (password: PGPASSWORD or ~/.pgpass)
    landing_url: str | None = None  # s3://bucket/prefix or az://container/prefix
    feedback_dir: Path | None = None  # LA feedback folders: a share the LAs read; default home/feedback

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse" / "warehouse.duckdb"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this data root's builds: partial parsing carries over from night to night."""
        return self.home / "dbt" / "target"

    @property
    def published(self) -> Path:
        return self.home / "published" / "placements.duckdb"

    @property
    def exports(self) -> Path:
        return self.published.parent / "exports"

    @property
    def report(self) -> Path:
        return self.published.parent / "report" / "index.html"

    @property
    def feedback(self) -> Path:
        return self.feedback_dir or self.home / "feedback"

    def with_home(self, home: Path) -> Settings:
        return replace(self, home=home.resolve())

    def ensure(self) -> Settings:
        for p in (self.landing, self.archive, self.quarantine, self.reports):
            p.mkdir(parents=True, exist_ok=True)
        for p in (self.warehouse.parent, self.published.parent):
            p.mkdir(parents=True, exist_ok=True)
        return self


def secret_value(env: str, file_env: str) -> str | None:
    """A secret from the environment variable `env`, or from the file that `file_env` names."""
    value = os.environ.get(env)
    if not value and os.environ.get(file_env):
        value = Path(os.environ[file_env]).read_text(encoding="utf-8").strip()
    return value or None


def _env(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None


def load_limits() -> Limits:
    d = Limits()
    return Limits(
        max_file_bytes=int(_env("PLACEMENTS_MAX_FILE_MB", d.max_file_bytes / MB) * MB),
        max_unpacked_bytes=int(_env("PLACEMENTS_MAX_UNPACKED_MB", d.max_unpacked_bytes / MB) * MB),
        max_compression_ratio=_env("PLACEMENTS_MAX_COMPRESSION_RATIO", d.max_compression_ratio),
        max_rows=int(_env("PLACEMENTS_MAX_ROWS", d.max_rows)),
        max_columns=int(_env("PLACEMENTS_MAX_COLUMNS", d.max_columns)),
        max_json_depth=int(_env("PLACEMENTS_MAX_JSON_DEPTH", d.max_json_depth)),
    )


def load_settings() -> Settings:
    home = Path(os.environ.get("PLACEMENTS_HOME", PROJECT_ROOT / "data")).resolve()
    return Settings(
        home=home,
        limits=load_limits(),
        max_rejected_share=_env("PLACEMENTS_MAX_REJECTED_SHARE", 0.5),
        suppression_threshold=int(_env("PLACEMENTS_SUPPRESSION_THRESHOLD", 5)),
        retention_days=int(_env("PLACEMENTS_RETENTION_DAYS", 7 * 365 + 2)),
        lock_wait_seconds=_env("PLACEMENTS_LOCK_WAIT_SECONDS", 30.0),
        warehouse_url=os.environ.get("PLACEMENTS_WAREHOUSE_URL", "").strip() or None,
        landing_url=os.environ.get("PLACEMENTS_LANDING_URL", "").strip() or None,
        feedback_dir=Path(os.environ["PLACEMENTS_FEEDBACK_DIR"]).resolve()
        if os.environ.get("PLACEMENTS_FEEDBACK_DIR", "").strip() else None,
    )
