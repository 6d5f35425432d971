"""Where things live and the knobs an operator may turn, from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path
    max_file_bytes: int = 50 * 1024 * 1024
    max_rejected_share: float = 0.5
    suppression_threshold: int = 5  # counts 1..threshold are suppressed in exports
    retention_days: int = 7 * 365 + 2  # raw rows and archived files are removed after this

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
    def published(self) -> Path:
        return self.home / "published" / "placements.duckdb"

    def with_home(self, home: Path) -> Settings:
        return replace(self, home=home.resolve())

    def ensure(self) -> Settings:
        for p in (self.landing, self.archive, self.quarantine, self.reports):
            p.mkdir(parents=True, exist_ok=True)
        for p in (self.warehouse.parent, self.published.parent):
            p.mkdir(parents=True, exist_ok=True)
        return self


def load_settings() -> Settings:
    home = Path(os.environ.get("PLACEMENTS_HOME", PROJECT_ROOT / "data")).resolve()
    return Settings(
        home=home,
        max_file_bytes=int(float(os.environ.get("PLACEMENTS_MAX_FILE_MB", "50")) * 1024 * 1024),
        max_rejected_share=float(os.environ.get("PLACEMENTS_MAX_REJECTED_SHARE", "0.5")),
        suppression_threshold=int(os.environ.get("PLACEMENTS_SUPPRESSION_THRESHOLD", "5")),
        retention_days=int(os.environ.get("PLACEMENTS_RETENTION_DAYS", str(7 * 365 + 2))),
    )
