"""How the graph runs unattended: one job over the whole graph, a landing sensor, a nightly schedule."""

import hashlib
import json

import dagster as dg

from orchestration.defs.resources import PlacementsSettings, RunLock
from warehouse.storage.inbox import inbox_for

nightly_job = dg.define_asset_job(
    "nightly_run",
    selection=dg.AssetSelection.all(),
    description="Everything new in landing, then dbt build, then publish.",
    # DuckDB has one writer: steps run one after another in one process.
    executor_def=dg.in_process_executor,
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0200_london",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",  # 02:00 local time on both sides of the clock change
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


@dg.sensor(job=nightly_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def landing_sensor(context: dg.SensorEvaluationContext, placements: PlacementsSettings):
    """Start a run when files in landing are complete: a `.done` marker beside the file, or the same
    size and modification time (ETag in a bucket) at two consecutive looks. The run key is derived from the files'
    content, so the same content never starts two runs; the cursor survives daemon restarts."""
    settings = placements.settings()
    previous = json.loads(context.cursor) if context.cursor else {}
    current, ready = {}, []
    for entry in inbox_for(settings).entries():  # the data root's landing folder, or a bucket (ETag for mtime)
        signature = list(entry.signature)
        current[entry.key] = signature
        if entry.done_marker or previous.get(entry.key) == signature:
            ready.append(entry)
    context.update_cursor(json.dumps(current))
    if not ready:
        return dg.SkipReason("No complete new files in landing.")
    digest = hashlib.sha256()
    for entry in sorted(ready, key=lambda e: e.key):
        digest.update(f"{entry.la_code}:{entry.content_id()}\n".encode())
    return dg.RunRequest(run_key=f"landing-{digest.hexdigest()[:32]}", tags={"trigger": "landing"})


@dg.op(description="Remove raw rows and archived files older than PLACEMENTS_RETENTION_DAYS.")
def apply_retention_policy(context: dg.OpExecutionContext, placements: PlacementsSettings,
                           run_lock: RunLock) -> None:
    from warehouse.erasure import apply_retention

    result = apply_retention(placements.settings())
    context.log.info(f"retention: {result.raw_rows} raw rows and {result.files} archived files removed")


@dg.job(description="Retention: personal data older than the retention period leaves raw and the archive.")
def retention_job():
    apply_retention_policy()


retention_schedule = dg.ScheduleDefinition(
    name="weekly_retention_sunday_0300_london",
    job=retention_job,
    cron_schedule="0 3 * * 0",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
