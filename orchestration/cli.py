"""The `placements` command: run, demo, validate, template, status, forget, retention."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from ingest.settings import load_settings
from orchestration.environment import prepare_process
from warehouse.pseudonymise import KEY_ENV, KEY_FILE_ENV, MissingKey, ensure_local_key, load_key

EXAMPLE_QUERY = ("SELECT la_name, placement_year, placements_costed, cost_index "
                 "FROM mart_cost_index ORDER BY placement_year DESC, cost_index DESC LIMIT 10")


def cmd_run(args: argparse.Namespace) -> int:
    settings = prepare_process()
    try:
        load_key()
    except MissingKey as exc:
        print(f"placements run: {exc}", file=sys.stderr)
        return 2
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    started = time.monotonic()
    job = defs.resolve_job_def("nightly_run")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": args.log_level}}}},
        )
    print_summary(settings, result.run_id, time.monotonic() - started, result.success)
    return 0 if result.success else 1


def print_summary(settings, run_id: str, seconds: float, success: bool) -> None:
    import duckdb

    print(f"\nRun {run_id[:8]} {'completed' if success else 'FAILED'} in {seconds:.1f}s")
    if not settings.warehouse.exists():
        return
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        events = con.execute(
            """SELECT e.outcome, e.la_code, e.file_name, s.rows_accepted, s.rows_rejected, s.reason, s.report_path
               FROM raw.file_events e LEFT JOIN raw.submissions s
                 ON s.file_sha256 = e.file_sha256 AND s.la_code = e.la_code
               WHERE e.run_id = ? ORDER BY e.outcome, e.la_code, e.file_name""",
            [run_id],
        ).fetchall()
        counts = {o: sum(1 for e in events if e[0] == o) for o in ("accepted", "rejected", "duplicate")}
        print(f"Files: {counts['accepted']} accepted, {counts['rejected']} rejected, {counts['duplicate']} duplicate")
        for outcome, la, name, _, rejected_rows, reason, report in events:
            if outcome == "rejected":
                print(f"  rejected  {la or '?'}/{name}: {reason} [{report}]")
            elif outcome == "duplicate":
                print(f"  duplicate {la or '?'}/{name}: already received, nothing loaded twice")
            elif rejected_rows:
                print(f"  accepted  {la}/{name}, {rejected_rows} row(s) refused [{report}]")
        rows = con.execute(
            """SELECT p.la_code, count(*) FROM raw.placements p GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        if len(rows) <= 12:
            print("Rows in the raw zone per LA (every version kept): "
                  + ", ".join(f"{la}: {n:,}" for la, n in rows))
        elif rows:
            low, high = min(rows, key=lambda r: r[1]), max(rows, key=lambda r: r[1])
            print(f"Rows in the raw zone (every version kept): {sum(n for _, n in rows):,} from {len(rows)} LAs "
                  f"(fewest {low[0]}: {low[1]:,}, most {high[0]}: {high[1]:,}; per LA: mart_data_quality)")
    if success and settings.published.exists():
        print(f"\nPublished: {settings.published}")
        duckdb_cli = Path(sys.executable).parent / "duckdb"
        print(f"Exports for sharing (small numbers suppressed): {settings.published.parent / 'exports'}")
        print(f"Query it read-only, for example:\n  {duckdb_cli} -readonly {settings.published} \\\n"
              f"    -c \"{EXAMPLE_QUERY}\"")


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings().ensure()
    if not os.environ.get(KEY_ENV) and not os.environ.get(KEY_FILE_ENV):
        key_file = settings.home / ".demo-pseudonymisation-key"
        os.environ[KEY_FILE_ENV] = ensure_local_key(key_file)
        print(f"Demo: no pseudonymisation key set, so a local demo key was created at {key_file}. "
              "Never use it for real data.")
    from synthetic.generator import generate_region

    region = generate_region(
        settings.landing, seed=args.seed, quarters=args.quarters, referrals_per_quarter=args.referrals
    )
    print(f"Demo: wrote {len(region.files) + len(region.unreadable)} synthetic returns for "
          f"{region.records['la_code'].nunique()} LAs into {settings.landing}")
    return cmd_run(args)


def cmd_validate(args: argparse.Namespace) -> int:
    settings = load_settings().ensure()
    from ingest.intake.expectations import ExpectationGate
    from ingest.intake.gate import assess_file
    from ingest.intake.reports import summary_lines, write_report
    from ingest.standard.contract import load_contract

    path = Path(args.file)
    if not path.is_file():
        print(f"placements validate: no such file: {path}", file=sys.stderr)
        return 2
    contract = load_contract()
    assessment = assess_file(path, args.la, contract, ExpectationGate(contract), settings)
    report = write_report(assessment, Path(args.report_dir) if args.report_dir else settings.reports / args.la)
    for label, value in summary_lines(assessment):
        print(f"{label:28} {value}")
    for f in assessment.findings[:20]:
        where = f"row {f.row} col {f.column}" if f.row else "file"
        print(f"  {f.code} {f.severity:7} {where:16} {f.message}")
    if len(assessment.findings) > 20:
        print(f"  ... and {len(assessment.findings) - 20} more in the report")
    print(f"Report: {report}")
    return 0 if assessment.status == "accepted" else 1


def cmd_template(args: argparse.Namespace) -> int:
    from ingest.standard.contract import load_contract
    from ingest.standard.template import write_template

    path = write_template(load_contract(), Path(args.out))
    print(f"Blank placements template written to {path}: fill in the 'Data Collection' sheet from row 4.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    import datetime as dt

    import duckdb
    from dagster import DagsterInstance

    from ingest.intake.landing import landed_files

    settings = prepare_process()
    print("Last runs:")
    with DagsterInstance.get() as instance:
        records = instance.get_run_records(limit=args.runs)
        for record in records:
            run = record.dagster_run
            started = dt.datetime.fromtimestamp(record.start_time) if record.start_time else None
            took = f"{record.end_time - record.start_time:.0f}s" if record.end_time and record.start_time else "-"
            trigger = run.tags.get("dagster/schedule_name") or run.tags.get("dagster/sensor_name") or "manual"
            print(f"  {run.run_id[:8]}  {run.job_name:14} {run.status.value:9} "
                  f"{started:%Y-%m-%d %H:%M}  {took:>6}  {trigger}" if started else
                  f"  {run.run_id[:8]}  {run.job_name:14} {run.status.value:9}")
        if not records:
            print("  none yet")
    waiting = landed_files(settings.landing)
    print(f"\nWaiting in landing: {len(waiting)}")
    for landed in waiting[:20]:
        print(f"  {landed.la_code or '(no LA folder)'}/{landed.path.name}")
    print("\nQuarantined since the LA's last accepted submission:")
    rows = []
    if settings.warehouse.exists():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            rows = con.execute(
                """WITH last_ok AS (SELECT la_code, max(received_at) AS at FROM raw.submissions
                                   WHERE status = 'accepted' GROUP BY la_code)
                   SELECT s.la_code, s.file_name, s.received_at, s.reason, s.report_path
                   FROM raw.submissions s LEFT JOIN last_ok USING (la_code)
                   WHERE s.status = 'rejected' AND (last_ok.at IS NULL OR s.received_at > last_ok.at)
                   ORDER BY s.la_code, s.received_at"""
            ).fetchall()
    for la, name, at, reason, report in rows:
        print(f"  {la}/{name} ({at:%Y-%m-%d %H:%M}): {reason} [{report}]")
    if not rows:
        print("  none")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from warehouse.erasure import forget_child

    settings = load_settings().ensure()
    try:
        result = forget_child(settings, args.la, args.child)
    except MissingKey as exc:
        print(f"placements forget: {exc}", file=sys.stderr)
        return 2
    print(f"Removed {result.raw_rows} raw row(s) and {result.warehouse_rows} warehouse row(s) for one child of LA "
          f"{args.la}. The published file loses them at the next run. Audit entry written (no identifier).")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from warehouse.erasure import apply_retention

    settings = load_settings().ensure()
    result = apply_retention(settings)
    print(f"Retention ({settings.retention_days} days): removed {result.raw_rows} raw row(s) "
          f"and {result.files} archived file(s).")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    handler = logging.getLogger().handlers[0]
    handler.setLevel(logging.INFO)  # the intake's per-file progress; warnings and errors from the rest
    handler.addFilter(lambda r: r.levelno >= logging.WARNING or r.name.startswith(("ingest", "warehouse")))
    for name in ("ingest", "warehouse"):
        logging.getLogger(name).setLevel(logging.INFO)
    parser = argparse.ArgumentParser(prog="placements", description="Regional placements data warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="one run: everything new in landing, then dbt, then publish")
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="write a synthetic region into landing, then run")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--quarters", type=int, default=12)
    demo.add_argument("--referrals", type=int, default=25, help="referrals per LA per quarter")
    demo.set_defaults(func=cmd_demo)
    validate = sub.add_parser("validate", help="check a file as the intake would, without loading it")
    validate.add_argument("file")
    validate.add_argument("--la", required=True, help="your LA's three-digit DfE code")
    validate.add_argument("--report-dir", help="where to write the feedback report")
    validate.set_defaults(func=cmd_validate)
    template = sub.add_parser("template", help="write a blank submission template with dropdowns")
    template.add_argument("out", help="path of the .xlsx to write")
    template.set_defaults(func=cmd_template)
    status = sub.add_parser("status", help="last runs, files waiting in landing, files quarantined")
    status.add_argument("--runs", type=int, default=10)
    status.set_defaults(func=cmd_status)
    forget = sub.add_parser("forget", help="erase one child's records (raw, warehouse; published at next run)")
    forget.add_argument("--la", required=True)
    forget.add_argument("--child", required=True, help="the child id as the LA submitted it")
    forget.set_defaults(func=cmd_forget)
    sub.add_parser("retention", help="remove raw rows and archived files past retention").set_defaults(
        func=cmd_retention)
    for p in (run, demo):
        p.add_argument("--log-level", default="WARNING", help="Dagster console log level (default WARNING)")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
