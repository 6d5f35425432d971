"""Publish: copy dbt's public models (the marts) into a new analyst file and swap it in atomically."""

import dagster as dg

from orchestration.defs.dbt import manifest, translator
from orchestration.defs.resources import PlacementsSettings, RunLock, dbt_project
from publish.analyst_file import publish
from publish.feedback import write_feedback


def public_models() -> list[tuple[dg.AssetKey, tuple[str, str]]]:
    """(asset key, (schema, table)) of every dbt model with `access: public`, from the manifest."""
    graph = manifest()
    return [
        (translator.get_asset_spec(graph, uid, dbt_project).key, (node["schema"], node["alias"]))
        for uid, node in sorted(graph["nodes"].items())
        if node["resource_type"] == "model" and node.get("access") == "public"
    ]


PUBLIC = public_models()


@dg.asset(
    key=dg.AssetKey(["published", "placements"]),
    deps=[key for key, _ in PUBLIC],
    group_name="publish",
    description="published/placements.duckdb: dbt's public models only, swapped in atomically, the "
                "suppressed exports beside it, the regional report made from them, and each LA's feedback folder.",
)
def published_placements(context: dg.AssetExecutionContext, placements: PlacementsSettings,
                         run_lock: RunLock) -> dg.MaterializeResult:
    from publish.charts import start_renderer, stop_renderer
    from publish.report import report_aside  # Altair and vl-convert load only when a run publishes

    settings = placements.settings()
    start_renderer()  # started during a night's dbt build already
    try:
        summary = publish(settings, run_id=context.run_id, relations=[relation for _, relation in PUBLIC])
        report = settings.report
        # the report's charts are drawn in the renderer process while this one writes the LAs' pages
        with report_aside(settings.exports, report, settings.suppression_threshold):
            feedback = write_feedback(settings, settings.exports)
    finally:
        stop_renderer()
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.published)),
            "report": dg.MetadataValue.path(str(report)),
            "feedback": dg.MetadataValue.path(str(settings.feedback)),
            "feedback_las": len(feedback),
            "tables": dg.MetadataValue.json(summary.tables),
            "rows": summary.rows,
            "topped_up": dg.MetadataValue.json(summary.topped_up),  # [] when the file was written in full
        }
    )
