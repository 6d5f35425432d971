"""Resources every part of the graph uses: the placements settings, and dbt (project and executable).

Loading this module changes no environment variable and does not parse the dbt project: the manifest is
built by `make`, the `placements` command or `dagster dev` (prepare_if_dev) before definitions load.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from ingest.settings import PROJECT_ROOT, Settings, load_settings
from warehouse.storage.lock import Busy, exclusive

DBT_DIR = PROJECT_ROOT / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
dbt_project.prepare_if_dev()


class PlacementsSettings(dg.ConfigurableResource):
    """Where the data lives and the operator's knobs, read from the environment (README: Configuration).
    `home` overrides PLACEMENTS_HOME, e.g. in a run's config."""

    home: str | None = None

    def settings(self) -> Settings:
        settings = load_settings()
        if self.home:
            settings = settings.with_home(Path(self.home))
        return settings.ensure()


class RunLock(dg.ConfigurableResource):
    """The data root's one-writer lock, held for a whole run: a sensor or scheduled run waits for a
    `placements run`, `forget` or `retention` in progress (up to `wait_seconds`), then fails naming it (the
    run is retried later). Within `placements run`, the command already holds it."""

    wait_seconds: float = 900.0

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RunLock"]:
        settings = load_settings()
        what = f"Dagster run {context.run_id[:8]}" if context.run_id else "Dagster run"
        try:
            with exclusive(settings.home, what, self.wait_seconds):
                yield self
        except Busy as exc:
            raise dg.Failure(description=str(exc)) from exc


class VenvDbt(DbtCliResource):
    """dbt from this environment's own dbt-core: its version is the installed package's. (DbtCliResource
    otherwise asks by running `dbt --version` before every build: a second dbt start, 1.8 s a night.)
    No dbt adapter in this process: DbtCliResource loads the profile and dbt's macros here for every build
    (0.9 s), only for fetching row counts or column metadata, which this project does not ask for."""

    @cached_property
    def _cli_version(self):
        from packaging.version import Version

        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["VenvDbt"]:
        """For the run: dbt loaded ahead in a warm process (warehouse/transform/warm.py), which the executable
        placements-dbt hands the build to; `placements run` starts it before it loads Dagster."""
        from warehouse.transform.warm import warm_dbt_for

        with warm_dbt_for(load_settings()):
            yield self


defs = dg.Definitions(
    resources={
        "placements": PlacementsSettings(),
        "run_lock": RunLock(),
        # the venv's dbt, whether or not the venv is activated (no PATH change needed), through the warm process
        "dbt": VenvDbt(project_dir=dbt_project, profiles_dir=str(DBT_DIR),
                       dbt_executable=str(Path(sys.executable).parent / "placements-dbt")),
    }
)
