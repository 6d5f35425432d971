"""The Dagster code location: every module under orchestration/defs/ is loaded as definitions by
Dagster's public defs-folder loader (project settings in pyproject.toml, [tool.dg])."""

from pathlib import Path

import dagster as dg

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
