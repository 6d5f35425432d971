"""The dbt project as assets. dbt build runs models and their tests; its verdict is recorded so that
publish, downstream, can refuse to publish after any failure (dagster-dbt does not stop Python
assets downstream of a failed test by itself)."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.resources import PlacementsSettings, RunLock, dbt_project
from orchestration.environment import dbt_project_hash
from warehouse.transform.builds import needs_full_refresh, record_dbt_verdict


class PlacementsTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "dbt"  # staging -> intermediate -> marts, one group between intake and publish


translator = PlacementsTranslator()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, name="dbt_models",
            dagster_dbt_translator=translator, retry_policy=dg.RetryPolicy(max_retries=2, delay=30))
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
               placements: PlacementsSettings, run_lock: RunLock) -> Iterator[Any]:
    settings = placements.settings()
    project_hash = dbt_project_hash()
    args = ["build"]
    if reason := needs_full_refresh(settings, project_hash):
        context.log.info(f"dbt: full refresh of the incremental models ({reason})")
        args.append("--full-refresh")
    else:  # the unit tests check the models' code, which passed them at the last build and has not changed
        args += ["--exclude-resource-type", "unit_test"]
    # A target folder per data root: dbt's partial parsing reuses it from one night to the next.
    invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=settings.home / "dbt" / "target")
    yield from invocation.stream()
    results = invocation.get_artifact("run_results.json").get("results", [])
    failures = [r["unique_id"] for r in results if r.get("status") not in {"success", "pass", "skipped"}]
    success = invocation.is_successful() and not failures
    record_dbt_verdict(settings, context.run_id, success, failures, project_hash)
    if not success:
        raise dg.Failure(
            description=f"dbt build failed ({len(failures)} models or tests): nothing will be published.",
            metadata={"failed": dg.MetadataValue.json(failures[:50])},
            allow_retries=False,  # a failing test fails again: only crashes of the step are retried
        )
