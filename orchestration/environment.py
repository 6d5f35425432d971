"""Process environment the orchestration needs, derived from PLACEMENTS_HOME so that the CLI,
`dagster dev` and tests agree on where the instance, warehouse and published file live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ingest.settings import PROJECT_ROOT, Settings, load_settings


def configure() -> Settings:
    settings = load_settings().ensure()
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))  # dagster.yaml lives at the repo root
    os.environ.setdefault("PLACEMENTS_DAGSTER_STORAGE", str(settings.home / "dagster"))
    os.environ["PLACEMENTS_WAREHOUSE"] = str(settings.warehouse)  # read by dbt's profiles.yml
    venv_bin = str(Path(sys.executable).parent)  # dbt is the venv's, whether or not the venv is activated
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    (settings.home / "dagster").mkdir(parents=True, exist_ok=True)
    return settings
