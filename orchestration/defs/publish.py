"""Publish: copy the analyst tables into a new DuckDB file and swap it in atomically."""


import dagster as dg

from ingest.publish import publish
from orchestration.defs.dbt import dbt_models, dbt_project
from orchestration.environment import configure

MART_KEYS = [key for key in dbt_models.keys if key.path[-1].startswith(("mart_", "dim_", "fct_"))]


@dg.asset(
    key=dg.AssetKey(["published", "placements"]),
    deps=MART_KEYS,
    group_name="publish",
    description="data/published/placements.duckdb: the analyst tables only, swapped in atomically.",
)
def published_placements(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = configure()
    summary = publish(settings, run_id=context.run_id, manifest_path=dbt_project.manifest_path)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.published)),
            "tables": dg.MetadataValue.json(summary.tables),
            "rows": summary.rows,
        }
    )
