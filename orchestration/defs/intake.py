"""Intake as assets: landing files -> expectation gate -> raw tables (the dbt sources)."""

import dagster as dg

from orchestration.defs.resources import PlacementsSettings, RunLock
from warehouse.load import preflight, run_intake
from warehouse.security.encryption import MissingStorageKey
from warehouse.security.keys import KeyMismatch
from warehouse.security.pseudonymise import MissingKey
from warehouse.storage.engines import WarehouseUnreachable
from warehouse.storage.inbox import LandingUnreachable

# dbt's sources name these keys in their meta (dbt_project/models/staging/_sources.yml)
RAW_PLACEMENTS = dg.AssetKey(["raw", "placements"])
RAW_SUBMISSIONS = dg.AssetKey(["raw", "submissions"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_PLACEMENTS, group_name="intake", description="Accepted rows of every submission, with lineage."
        ),
        dg.AssetSpec(RAW_SUBMISSIONS, group_name="intake", description="Every submitted file and its outcome."),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "expectation_gate",
            asset=RAW_PLACEMENTS,
            description="Great Expectations suite generated from the contract, run on every file of this run.",
        )
    ],
    name="intake",
    # Transient trouble (a locked warehouse file, a full disk freed by the operator) retries, bounded.
    # Safe: content already loaded is recognised as duplicate, a half-loaded file was rolled back.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30),
)
def intake(context: dg.AssetExecutionContext, placements: PlacementsSettings, run_lock: RunLock):
    settings = placements.settings()
    try:  # fail before touching anything: no keys, or not the warehouse's own pseudonymisation key
        preflight(settings)
    except (MissingKey, MissingStorageKey, KeyMismatch, WarehouseUnreachable, LandingUnreachable) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    result = run_intake(settings, run_id=context.run_id)
    files = [
        {"la": f.la_code, "file": f.file_name, "outcome": f.outcome, "rows_loaded": f.rows_loaded,
         "rows_rejected": f.rows_rejected, "reason": f.reason}
        for f in result.files
    ]
    counts = {
        "files_accepted": result.count("accepted"),
        "files_rejected": result.count("rejected"),
        "files_duplicate": result.count("duplicate"),
        "rows_loaded": result.rows_loaded,
    }
    # One event per file refused or repeated; accepted files in one line (each event is a write to the
    # instance's storage: a backfill's thousands of files would cost it seconds). All are in the metadata.
    for outcome in result.files:
        if outcome.outcome != "accepted":
            context.log.info(f"{outcome.la_code}/{outcome.file_name}: {outcome.outcome} {outcome.reason}")
    context.log.info(f"{counts['files_accepted']} file(s) accepted, {counts['rows_loaded']:,} rows loaded")
    yield dg.MaterializeResult(asset_key=RAW_PLACEMENTS, metadata={**counts, "files": dg.MetadataValue.json(files)})
    yield dg.MaterializeResult(asset_key=RAW_SUBMISSIONS, metadata=counts)
    expectations = {f"{f.la_code}/{f.file_name}": f.expectation_summary for f in result.files if f.expectation_summary}
    yield dg.AssetCheckResult(
        asset_key=RAW_PLACEMENTS,
        check_name="expectation_gate",
        passed=result.count("rejected") == 0,
        severity=dg.AssetCheckSeverity.WARN,  # a refused file is quarantined and reported, not a failed run
        metadata={**counts, "per_file": dg.MetadataValue.json(expectations)},
    )
