"""The `placements` command: run, demo, validate, template, status, forget, retention, rotate-key,
reload, unseal.

Exit codes: 0 done (a run also when files were rejected), 1 a run failed or a file would be refused,
2 a setting is missing or wrong (keys, paths), 3 another run holds the data root (waited, then gave up)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from ingest.settings import load_settings
from orchestration.environment import prepare_process
from warehouse.security.encryption import STORAGE_KEY_ENV, STORAGE_KEY_FILE_ENV, MissingStorageKey, ensure_local_secret
from warehouse.security.keys import KeyMismatch
from warehouse.security.pseudonymise import KEY_ENV, KEY_FILE_ENV, MissingKey
from warehouse.storage.database import open_warehouse
from warehouse.storage.engines import WarehouseUnreachable, warehouse_for
from warehouse.storage.inbox import LandingUnreachable, inbox_for
from warehouse.storage.lock import SETUP_LOCK, Busy, exclusive, holder

EXAMPLE_QUERY = ("SELECT la_name, placement_year, placements_costed, cost_index "
                 "FROM mart_cost_index ORDER BY placement_year DESC, cost_index DESC LIMIT 10")


def cmd_run(args: argparse.Namespace) -> int:
    from warehouse.load import preflight, start_assessors
    from warehouse.transform.warm import warm_dbt_for

    settings = prepare_process()
    started = time.monotonic()
    with exclusive(settings.home, "placements run", settings.lock_wait_seconds):
        preflight(settings)  # keys present and the warehouse's own, before anything is read or moved
        # Great Expectations, then dbt, load on the other core while this process loads Dagster
        with start_assessors() as gate_built, warm_dbt_for(settings, after=gate_built):
            from dagster import DagsterInstance

            from orchestration.definitions import defs

            job = defs.resolve_job_def("nightly_run")
            with exclusive(settings.home, "placements run", settings.lock_wait_seconds, name=SETUP_LOCK):
                instance = DagsterInstance.get()  # first use creates its storage: one process at a time
            with instance:
                result = job.execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": args.log_level}}}},
                )
    print_summary(settings, result.run_id, time.monotonic() - started, result.success)
    return 0 if result.success else 1


def print_summary(settings, run_id: str, seconds: float, success: bool) -> None:

    print(f"\nRun {run_id[:8]} {'completed' if success else 'FAILED'} in {seconds:.1f}s")
    if not warehouse_for(settings).exists():
        return
    with open_warehouse(settings, read_only=True) as con:
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
        print(f"Exports for sharing (small numbers suppressed): {settings.exports}")
        if settings.report.exists():
            print(f"Regional report (open in a browser; shareable like the exports): {settings.report}")
        if settings.feedback.exists():
            print(f"Feedback for each LA (its reports and index.html): {settings.feedback}")
        print(f"Query it read-only, for example:\n  {duckdb_cli} -readonly {settings.published} \\\n"
              f"    -c \"{EXAMPLE_QUERY}\"")


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings().ensure()
    for env, file_env, name in ((KEY_ENV, KEY_FILE_ENV, "pseudonymisation"),
                                (STORAGE_KEY_ENV, STORAGE_KEY_FILE_ENV, "storage")):
        if not os.environ.get(env) and not os.environ.get(file_env):
            key_file = settings.home / f".demo-{name}-key"
            os.environ[file_env] = ensure_local_secret(key_file)
            print(f"Demo: no {name} key set, so a local demo key was created at {key_file}. "
                  "Never use it for real data.")
    from synthetic.generator import generate_region

    if not settings.landing_url:
        region = generate_region(
            settings.landing, seed=args.seed, quarters=args.quarters, referrals_per_quarter=args.referrals
        )
        where = settings.landing
    else:  # landing in a bucket: the returns are written aside, then put where LAs would put them
        import tempfile

        from warehouse.storage.inbox import inbox_for

        inbox = inbox_for(settings)
        inbox.check()
        with tempfile.TemporaryDirectory() as folder:
            region = generate_region(Path(folder), seed=args.seed, quarters=args.quarters,
                                     referrals_per_quarter=args.referrals)
            inbox.land(Path(folder))
        where = f"{inbox.where()}/landing"
    print(f"Demo: wrote {len(region.files) + len(region.unreadable)} synthetic returns for "
          f"{region.records['la_code'].nunique()} LAs into {where}")
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

    from dagster import DagsterInstance


    settings = prepare_process()
    running = holder(settings.home)
    print(f"Running now: {running or 'nothing'}\n")
    print("Last runs:")
    with exclusive(settings.home, "placements status", settings.lock_wait_seconds, name=SETUP_LOCK):
        instance = DagsterInstance.get()
    with instance:
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
    waiting = inbox_for(settings).entries()  # the landing folder, or the bucket's landing prefix
    print(f"\nWaiting in landing: {len(waiting)}")
    for entry in waiting[:20]:
        print(f"  {entry.la_code or '(no LA folder)'}/{entry.key.rsplit('/', 1)[-1]}")
    print("\nQuarantined since the LA's last accepted submission:")
    rows = []
    if warehouse_for(settings).exists():
        with open_warehouse(settings, read_only=True) as con:
            rows = con.execute(
                """WITH last_ok AS (SELECT la_code, max(received_at) AS at FROM raw.submissions
                                   WHERE status = 'accepted' GROUP BY la_code)
                   SELECT s.la_code, s.file_name, s.received_at, s.reason, s.report_path
                   FROM raw.submissions s LEFT JOIN last_ok USING (la_code)
                   WHERE s.status = 'rejected' AND (last_ok.at IS NULL OR s.received_at >= last_ok.at)
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
    with exclusive(settings.home, "placements forget", settings.lock_wait_seconds):
        result = forget_child(settings, args.la, args.child)
    print(f"Removed {result.raw_rows} raw row(s) and {result.warehouse_rows} warehouse row(s) for one child of LA "
          f"{args.la}, and rewrote {result.files} archived or quarantined original(s) without them. A tombstone "
          "keeps the child out of any later submission or archive reload. The published file loses them at the "
          "next run. Audit entry written (no identifier).")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from warehouse.security.keys import rotate
    from warehouse.security.pseudonymise import load_key, parse_key
    from warehouse.storage.database import open_warehouse

    settings = load_settings().ensure()
    old_key = parse_key(Path(args.old_key_file).read_text(encoding="utf-8").strip(), "the old key file")
    new_key = load_key()
    with exclusive(settings.home, "placements rotate-key", settings.lock_wait_seconds), \
            open_warehouse(settings) as con:
        result = rotate(con, old_key, new_key)
    print(f"Re-keyed {result.pseudonyms:,} stored pseudonym(s) from key {result.old_version} to {result.new_version} "
          "in one transaction; the change is recorded in audit.pseudonymisation_keys (no key material). The "
          "next run publishes the new child_key_version. Keep the new key set from now on.")
    return 0


def cmd_reload(args: argparse.Namespace) -> int:
    from warehouse.storage.archive import reload

    settings = load_settings().ensure()
    with exclusive(settings.home, "placements reload", settings.lock_wait_seconds):
        written = reload(settings, args.la)
    print(f"Put {len(written)} archived original(s) back into {settings.landing} for the next run (content already "
          "in the warehouse is recognised as duplicate; erased children stay out).")
    return 0


def cmd_unseal(args: argparse.Namespace) -> int:
    from warehouse.security.encryption import load_storage_key, read_sealed

    data = read_sealed(Path(args.sealed), load_storage_key())
    out = Path(args.out)
    out.write_bytes(data)
    out.chmod(0o600)
    print(f"Opened {args.sealed} into {out} ({len(data):,} bytes). It holds identifiers: delete it when done.")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from warehouse.erasure import apply_retention

    settings = load_settings().ensure()
    with exclusive(settings.home, "placements retention", settings.lock_wait_seconds):
        result = apply_retention(settings)
    print(f"Retention ({settings.retention_days} days): removed {result.raw_rows} raw row(s) "
          f"and {result.files} archived file(s).")
    return 0


def cmd_hub_init(args: argparse.Namespace) -> int:
    from warehouse.hub import init_hub

    settings = load_settings().ensure()
    for line in init_hub(settings):
        print(f"hub init: {line}")
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
    rotate = sub.add_parser("rotate-key", help="re-key every pseudonym after the region changed its key "
                                               "(set the new key as usual; give the old one in a file)")
    rotate.add_argument("--old-key-file", required=True, help="file holding the key the warehouse was built with")
    rotate.set_defaults(func=cmd_rotate_key)
    reload = sub.add_parser("reload", help="put archived originals back into landing (rebuild from the archive)")
    reload.add_argument("--la", help="only this LA's originals")
    reload.set_defaults(func=cmd_reload)
    unseal = sub.add_parser("unseal", help="open one archived or quarantined original (it holds identifiers)")
    unseal.add_argument("sealed")
    unseal.add_argument("out")
    unseal.set_defaults(func=cmd_unseal)
    hub = sub.add_parser("hub", help="the regional hub's PostgreSQL warehouse (PLACEMENTS_WAREHOUSE_URL)")
    hub_sub = hub.add_subparsers(dest="hub_command", required=True)
    hub_sub.add_parser("init", help="create schemas, the raw zone, role placements_analyst and its grants "
                                    "(idempotent)").set_defaults(func=cmd_hub_init)
    for p in (run, demo):
        p.add_argument("--log-level", default="WARNING", help="Dagster console log level (default WARNING)")
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Busy as exc:  # one line, naming the run that holds the data root
        print(f"placements {args.command}: {exc}", file=sys.stderr)
        return 3
    except (MissingKey, MissingStorageKey, KeyMismatch, WarehouseUnreachable, LandingUnreachable) as exc:
        print(f"placements {args.command}: {exc}", file=sys.stderr)
        return 2


def entry() -> None:
    """The installed command: `main`, then the process ends as the interpreter would, without tearing
    down what it imported (warehouse/lifetime.py)."""
    from warehouse.lifetime import end_process

    try:
        code = main()
    except SystemExit as exc:  # argparse's --help (0) and usage errors (2), which it has printed
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    end_process(code)


if __name__ == "__main__":
    entry()
