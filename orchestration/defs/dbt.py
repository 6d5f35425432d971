"""The dbt project as assets. dbt build runs models and their tests; its verdict is recorded so that
publish, downstream, can refuse to publish after any failure (dagster-dbt does not stop Python
assets downstream of a failed test by itself)."""

import functools
import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.resources import PlacementsSettings, RunLock, dbt_project
from orchestration.environment import dbt_project_hash
from warehouse.storage.engines import dbt_environment, warehouse_for
from warehouse.transform.builds import needs_full_refresh, record_dbt_verdict
from warehouse.transform.forecast import FORECASTS, write_forecast
from warehouse.transform.parse_state import seed_parse_state

BESIDE = [f.model for f in FORECASTS]  # Python models that run beside dbt where dbt runs none


class PlacementsTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "dbt"  # staging -> intermediate -> marts, one group between intake and publish


translator = PlacementsTranslator()


@functools.cache
def manifest() -> dict:
    """The dbt manifest these definitions were made from, read once per process (as dagster-dbt reads it at
    load): which models are published and which nodes a night leaves out come from it."""
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def _downstream(graph: dict, starts: set[str]) -> set[str]:
    """`starts` and every node below them in the manifest `graph` (unique ids)."""
    downstream, queue = set(starts), list(starts)
    while queue:
        for child in graph["child_map"].get(queue.pop(), []):
            if child not in downstream:
                downstream.add(child)
                queue.append(child)
    return downstream


def _not_downstream_of(models: list[str]) -> list[str]:
    """The models and seeds outside `models`+, by name (dagster-dbt adds its own --select, so the second
    phase of a build is expressed as an exclusion; tests of excluded models are excluded with them)."""
    graph = manifest()
    starts = {uid for uid, n in graph["nodes"].items() if n["resource_type"] == "model" and n["name"] in models}
    downstream = _downstream(graph, starts)
    return sorted(n["name"] for uid, n in graph["nodes"].items()
                  if n["resource_type"] in {"model", "seed", "snapshot"} and uid not in downstream)


def _tests_of_the_project_alone() -> list[str]:
    """The data tests that read only what the project's files make (the LA seed and the models made from it,
    no source upstream): a build whose project is the last successful build's passes them as it did. A test
    that also reads the returns (the relationship from stg_placements to the seed) is not one of them.
    Named one by one: excluding the models instead would take that test with them."""
    graph = manifest()
    from_data = _downstream(graph, set(graph["sources"]))
    return sorted(n["name"] for n in graph["nodes"].values() if n["resource_type"] == "test"
                  and not from_data & set(n["depends_on"]["nodes"]))


def _publish_follows(context: dg.AssetExecutionContext) -> bool:
    """Whether this run publishes after the build (and so stops the renderer a night starts here)."""
    from orchestration.defs.publish import published_placements

    selection = context.run.asset_selection  # empty (or None) when the run is the whole job
    return not selection or published_placements.key in selection


def _excluding(names: list[str]) -> list[str]:
    return ["--exclude", " ".join(sorted(set(names)))] if names else []


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, name="dbt_models",
            dagster_dbt_translator=translator, retry_policy=dg.RetryPolicy(max_retries=2, delay=30))
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
               placements: PlacementsSettings, run_lock: RunLock) -> Iterator[Any]:
    from publish.charts import start_renderer, stop_renderer

    settings = placements.settings()
    project_hash = dbt_project_hash()
    args = ["build"]
    passed_before: list[str] = []
    if reason := needs_full_refresh(settings, project_hash):
        context.log.info(f"dbt: full refresh of the incremental models ({reason})")
        args.append("--full-refresh")
    else:  # the project is the last successful build's: its unit tests, and its data tests that read
        # only what its files make, passed then and pass now (10 of the night's 55 nodes, 0.3 s); a person
        # who picked some assets or checks gets those
        args += ["--exclude-resource-type", "unit_test"]
        passed_before = [] if context.is_subset else _tests_of_the_project_alone()
        # a night: publish's chart renderer loads while dbt builds (this process mostly waits for dbt); a
        # full build needs the memory, and its publish starts the renderer itself
        if _publish_follows(context):
            start_renderer()
    warehouse = warehouse_for(settings)
    # one build; where dbt runs no Python models (PostgreSQL), the forecasts' Python runs between two phases
    phases = [[*args, *_excluding(passed_before)]] if warehouse.python_models else [
        [*args, *_excluding([*passed_before, *(f"{m}+" for m in BESIDE)])], None,
        [*args, *_excluding([*passed_before, *_not_downstream_of(BESIDE)])]]
    seed_parse_state(settings.dbt_target)  # a new data root's first build parses partially
    failures, success = [], True
    for phase in phases:
        if not success:
            break
        if phase is None:
            with warehouse.connect() as con:
                for forecast in FORECASTS:
                    context.log.info(f"{forecast.model} beside dbt: {write_forecast(con, forecast)} rows")
            continue
        # A target folder per data root: dbt's partial parsing reuses it from one night to the next.
        with dbt_environment(settings):
            invocation = dbt.cli(phase, context=context, raise_on_error=False, target_path=settings.dbt_target)
        yield from invocation.stream()
        results = invocation.get_artifact("run_results.json").get("results", [])
        failed = [r["unique_id"] for r in results if r.get("status") not in {"success", "pass", "skipped"}]
        failures += failed
        success = success and invocation.is_successful() and not failed
    record_dbt_verdict(settings, context.run_id, success, failures, project_hash)
    if not success:
        stop_renderer()  # nothing will be published
        raise dg.Failure(
            description=f"dbt build failed ({len(failures)} models or tests): nothing will be published.",
            metadata={"failed": dg.MetadataValue.json(failures[:50])},
            allow_retries=False,  # a failing test fails again: only crashes of the step are retried
        )
