"""`branch-retention`: generate a sample bank, run the pipeline, print the summary."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC
from pathlib import Path

from orchestration.lib import settings


def _cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.lib.sample_bank import GROUND_TRUTH_DIR, generate_bank

    started = time.perf_counter()
    out = Path(args.out or settings.landing_dir())
    mess_rate = 0.0 if args.clean else args.mess_rate
    result = generate_bank(out, n_customers=args.customers, n_months=args.months, seed=args.seed, fmt=args.format,
                           mess_rate=mess_rate)
    print(f"Sample bank: {args.customers:,} customers over {args.months} months (seed {args.seed}) in {out}")
    resent = result.get("resent", {})
    for table, n in result["tables"].items():
        again = f"  (+{resent[table]:,} in {table}.resent.csv)" if resent.get(table) else ""
        print(f"  {table:<26}{n:>12,} rows{again}")
    if mess_rate:
        planted = {k: v for k, v in result["ground_truth"]["mess"].items() if k != "rows"}
        print(f"  mess at {mess_rate:g}x the default rates: " + ", ".join(f"{k} {v}" for k, v in planted.items()))
    else:
        print("  clean: no mess planted")
    print(f"  ground truth in {out / GROUND_TRUTH_DIR}; {time.perf_counter() - started:.1f}s")
    return 0


def latest_data_month(warehouse: Path) -> str:
    """The month of the latest transaction loaded: the partition a full run builds."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        latest = con.execute("SELECT max(txn_ts) FROM raw.transactions").fetchone()[0]
    finally:
        con.close()
    if latest is None:
        raise SystemExit("no transactions were loaded: nothing to build (see raw.quarantine and the log)")
    return latest.strftime("%Y-%m-01")


def run_pipeline(landing: Path | None = None, warehouse: Path | None = None, as_of_date: str | None = None,
                 month: str | None = None, full: bool = False, view_out=None) -> bool:
    """Load, then build and publish, through Dagster (two runs: ingest_job, transform_job), recorded in
    DAGSTER_HOME so the UI shows them. Only new files are loaded and only the partition's months of the
    incremental models are built, unless full: every file read again and every model rebuilt from scratch.
    With view_out (a stream), the stages are printed there as they finish (orchestration/lib/run_view.py)."""
    if landing:
        os.environ[settings.LANDING_ENV] = str(landing.resolve())
    if warehouse:
        os.environ[settings.WAREHOUSE_ENV] = str(warehouse.resolve())
    # dbt runs as a subprocess and reads the same variable: make it absolute before it starts.
    os.environ[settings.WAREHOUSE_ENV] = str(settings.warehouse_path())
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
    settings.prepare_dagster_home(Path(os.environ["DAGSTER_HOME"]))
    from orchestration.lib.run_lock import run_lock

    with run_lock(settings.warehouse_path()):
        return _run_jobs(month, as_of_date, full, view_out)


def _run_jobs(month: str | None, as_of_date: str | None, full: bool, view_out=None) -> bool:
    """ingest_job, then transform_job for the data's month (run_pipeline holds the run lock)."""
    import uuid
    from contextlib import nullcontext

    import dagster as dg

    from orchestration.lib.run_view import RunView

    defs = _definitions()
    say = (lambda line: print(line, file=view_out, flush=True)) if view_out else (lambda line: print(line, flush=True))

    # INFO, not DEBUG: one line per asset and its row counts, not every engine event.
    loggers = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    with dg.DagsterInstance.get() as instance:
        view = RunView(instance, view_out, dbt_models=_dbt_model_count()) if view_out else None

        def execute(job_name: str, **kwargs):
            run_id = str(uuid.uuid4())
            with view.watch(run_id) if view else nullcontext():
                return defs.resolve_job_def(job_name).execute_in_process(
                    instance=instance, raise_on_error=False, run_id=run_id, **kwargs)

        say("== loading the extracts (ingest_job) ==")
        ingest_config = {**loggers, **({"resources": {"warehouse": {"config": {"full_load": True}}}} if full else {})}
        ingest = execute("ingest_job", run_config=ingest_config)
        if not ingest.success:
            return False
        partition = month or latest_data_month(settings.warehouse_path())
        if partition not in _partition_keys(defs) or _first_partition(defs) != settings.first_partition_month():
            # The monthly partitions start at the data's first month, known only now that it is loaded.
            defs = _definitions(reload=True)
        say(f"== building and publishing the marts for {partition[:7]} (transform_job) ==")
        dbt_config = {"as_of_date": as_of_date, "full_refresh": full}
        run_config = {**loggers, "ops": {"branch_retention_dbt_assets": {"config": dbt_config}}}
        transform = execute("transform_job", run_config=run_config, partition_key=partition)
        if view:
            _LAST_VIEW["view"] = view
        if not transform.success:
            return False
        # A run whose publish step was skipped (a step it waits for built nothing) succeeded in Dagster's
        # eyes, but BI and the pages still show the last publication: that is not a finished run.
        if not any(e.asset_key.path == PUBLISHED_PATH for e in transform.get_asset_materialization_events()):
            say(f"  nothing was published: step {'__'.join(PUBLISHED_PATH)} did not run (see the log)")
            return False
        return True


# The asset a finished run has materialized: the publication BI and the pages read.
PUBLISHED_PATH = ["published", "marts"]

# The view of the last run_pipeline call (its dbt test counts go into the summary).
_LAST_VIEW: dict = {}


def _dbt_model_count() -> int:
    from orchestration.defs.dbt.assets import dbt_asset_defs

    return sum(len(d.keys) for d in dbt_asset_defs)  # models and seeds: one materialization each


def _definitions(reload: bool = False):
    """The Definitions object; reload=True builds it again, so the monthly partitions start at the first month
    of the data just loaded (settings.first_partition_month)."""
    import importlib

    import orchestration.definitions

    if reload:
        import orchestration.defs.automation.jobs
        import orchestration.defs.dbt.assets
        import orchestration.defs.publishing.assets
        import orchestration.defs.publishing.freshness

        for module in (orchestration.defs.dbt.assets, orchestration.defs.publishing.assets,
                       orchestration.defs.publishing.freshness, orchestration.defs.automation.jobs,
                       orchestration.definitions):
            importlib.reload(module)
    return orchestration.definitions.defs


def _first_partition(defs) -> str:
    from orchestration.defs.dbt.assets import monthly_partitions

    return monthly_partitions.get_first_partition_key()


def _partition_keys(defs) -> set[str]:
    from orchestration.defs.dbt.assets import monthly_partitions

    return set(monthly_partitions.get_partition_keys())


def _quiet_libraries() -> None:
    """Library chatter at its source: Great Expectations logs every function it registers and every datasource
    it looks up at INFO, alembic every migration check of Dagster's SQLite storage; Dagster's own loggers also
    reached the root handler, so each of its lines was printed twice. Their warnings and errors still come."""
    for name in ("great_expectations", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("dagster").propagate = False  # Dagster prints its events itself (into the log file)


def _cmd_run(args: argparse.Namespace) -> int:
    from contextlib import redirect_stderr, redirect_stdout
    from datetime import datetime

    from orchestration.lib.run_lock import RunInProgress
    from orchestration.lib.summary import format_summary, warehouse_summary

    started = time.perf_counter()
    if args.warehouse:
        os.environ[settings.WAREHOUSE_ENV] = str(Path(args.warehouse).resolve())
    log_file = settings.log_dir() / f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    console = sys.stdout
    print(f"Full log of this run: {log_file}", flush=True)
    with log_file.open("a", encoding="utf-8", buffering=1) as log:
        # The full log: Dagster's event lines, dbt's output (dagster-dbt echoes it to stdout), warnings and
        # everything logged at INFO. The console keeps the stage view and every error.
        root = logging.getLogger()
        file_handler = logging.StreamHandler(log)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.handlers = [file_handler]
        errors = logging.StreamHandler(sys.stderr)
        errors.setLevel(logging.ERROR)
        errors.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(errors)
        root.setLevel(logging.INFO)
        try:
            with redirect_stdout(log), redirect_stderr(log):
                ok = run_pipeline(Path(args.landing) if args.landing else None, None, as_of_date=args.as_of,
                                  month=args.month, full=args.full, view_out=console)
        except RunInProgress as exc:
            print(f"Pipeline NOT STARTED: {exc}")
            return 3
        except BaseException as exc:
            print(f"Pipeline FAILED: {type(exc).__name__}: {exc} (traceback in {log_file})", file=sys.stderr)
            import traceback

            traceback.print_exc(file=log)
            return 1
    elapsed = time.perf_counter() - started
    if not ok:
        print(f"Pipeline FAILED after {elapsed:.1f}s: the errors are above; the full log is {log_file}, and the "
              "run is in the Dagster UI (make ui).")
        return 1
    view = _LAST_VIEW.get("view")
    summary = warehouse_summary(settings.warehouse_path(), settings.publish_dir())
    summary["quality_dir"] = str(settings.quality_dir())
    summary["dbt_tests"] = view.dbt_tests if view else None
    summary["log_file"] = str(log_file)
    summary["warnings"] = len(view.warnings) if view else 0
    print(format_summary(summary))
    print(f"Pipeline finished in {elapsed:.1f}s.")
    return 0


def publish_warehouse(warehouse: Path | None = None, publish_dir: Path | None = None, record: bool = True):
    """Publish the warehouse's marts and morning pages as they are now (orchestration/lib/publish.py:
    publish_all, the same atomic switch a run makes), holding the run lock so no run writes meanwhile. With
    record, the publication is recorded in DAGSTER_HOME as a materialization of published/marts, so the UI
    shows when BI last got new marts."""
    from orchestration.lib import engine
    from orchestration.lib.publish import publish_all
    from orchestration.lib.run_lock import run_lock

    if warehouse:
        os.environ[settings.WAREHOUSE_ENV] = str(warehouse.resolve())
    if publish_dir:
        os.environ[settings.PUBLISH_ENV] = str(publish_dir.resolve())
    database = settings.warehouse_path()
    if engine.uses_duckdb() and not database.exists():
        raise SystemExit(f"no warehouse at {database}: run `branch-retention run` (or dbt build) first")
    with run_lock(database):
        done = publish_all(database, settings.publish_dir(), on_duckdb=engine.uses_duckdb(),
                          quality_dir=settings.quality_dir())
    if record:
        import dagster as dg

        os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
        settings.prepare_dagster_home(Path(os.environ["DAGSTER_HOME"]))
        with dg.DagsterInstance.get() as instance:
            instance.report_runless_asset_event(dg.AssetMaterialization(
                asset_key=dg.AssetKey(["published", "marts"]),
                description="published by `branch-retention publish`",
                metadata={"publication_id": done.marts.publication_id,
                          "serving_file": str(done.marts.serving_file),
                          "parquet_dir": str(done.marts.parquet_dir),
                          "pages_dir": str(done.pages_dir) if done.pages_dir else "",
                          "quality_report": str(done.quality_report or ""),
                          "rows": dg.MetadataValue.json(done.marts.rows)}))
    return done


def _cmd_publish(args: argparse.Namespace) -> int:
    from orchestration.lib.run_lock import RunInProgress

    started = time.perf_counter()
    try:
        done = publish_warehouse(Path(args.warehouse) if args.warehouse else None,
                                 Path(args.out) if args.out else None, record=not args.no_record)
    except RunInProgress as exc:
        print(f"Publish NOT STARTED: {exc}")
        return 3
    marts = done.marts
    print(f"Published {len(marts.rows)} marts ({sum(marts.rows.values()):,} rows), publication {marts.publication_id}, "
          f"in {time.perf_counter() - started:.1f}s:")
    print(f"  {marts.serving_file}")
    print(f"  {marts.parquet_dir}/<mart>.parquet")
    if done.pages_dir:
        print(f"  {done.pages_dir}/index.html (morning pages)")
    if done.quality_report:
        print(f"  {done.quality_report} (quality report of the latest checks)")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from orchestration.lib.summary import format_summary, warehouse_summary

    summary = warehouse_summary(settings.warehouse_path(), settings.publish_dir())
    summary["quality_dir"] = str(settings.quality_dir())
    print(format_summary(summary))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from orchestration.lib.evaluate import evaluate, format_scores

    ground_truth = Path(args.ground_truth or settings.landing_dir() / "_ground_truth")
    print(f"Marts in {settings.warehouse_path()} against the planted ground truth in {ground_truth}")
    print(format_scores(evaluate(settings.warehouse_path(), ground_truth)))
    from orchestration.lib.evaluate import format_risk_evaluation, risk_evaluation

    print(format_risk_evaluation(risk_evaluation(settings.warehouse_path())))
    return 0


def _cmd_metrics(args: argparse.Namespace) -> int:
    from orchestration.lib import metrics

    if not args.name:
        print(metrics.list_metrics())
        return 0
    rows = metrics.answer(args.name, branch=args.branch, month=args.month, group_by=args.group_by or ())
    print(metrics.format_rows(args.name, rows))
    return 0


def _cmd_page(args: argparse.Namespace) -> int:
    from orchestration.lib.morning_page import build_pages

    out = Path(args.out)
    pages = build_pages(out)
    print(f"Morning pages: {len(pages)} written under {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="branch-retention", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a sample bank's raw extracts and its ground truth")
    gen.add_argument("--customers", type=int, default=10_000)
    gen.add_argument("--months", type=int, default=12)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--format", choices=["csv", "parquet"], default="csv")
    gen.add_argument("--mess-rate", type=float, default=1.0,
                     help="multiplier of the default mess rates (placeholders, overdrafts, fx book, duplicates, "
                          "orphans, rejected values, late rows; orchestration/lib/sample_bank/mess.py); 0 = clean")
    gen.add_argument("--clean", action="store_true", help="no mess at all (same as --mess-rate 0)")
    gen.add_argument("--out", help=f"landing folder (default: ${settings.LANDING_ENV} or data/landing)")
    gen.set_defaults(func=_cmd_generate)

    run = sub.add_parser("run", help="load the landing folder and build every mart through Dagster")
    run.add_argument("--landing", help=f"landing folder (default: ${settings.LANDING_ENV} or data/landing)")
    run.add_argument("--warehouse", help=f"DuckDB file (default: ${settings.WAREHOUSE_ENV} or data/warehouse.duckdb)")
    run.add_argument("--as-of", help="as-of date YYYY-MM-DD (default: the latest transaction date)")
    run.add_argument("--month", help="monthly partition to build, YYYY-MM-01 (default: the latest data's month)")
    run.add_argument("--full", action="store_true",
                     help="read every file again and rebuild every model from all history (default: only what is new)")
    run.set_defaults(func=_cmd_run)

    pub = sub.add_parser("publish", help="publish the warehouse's marts and morning pages for BI as they are now "
                                         "(after a dbt-only rebuild), with the same atomic switch a run makes")
    pub.add_argument("--warehouse", help=f"DuckDB file (default: ${settings.WAREHOUSE_ENV} or data/warehouse.duckdb)")
    pub.add_argument("--out", help=f"publish folder (default: ${settings.PUBLISH_ENV} or data/published)")
    pub.add_argument("--no-record", action="store_true",
                     help="do not record the publication in DAGSTER_HOME (it shows in the UI by default)")
    pub.set_defaults(func=_cmd_publish)

    summ = sub.add_parser("summary", help="print what the warehouse holds")
    summ.set_defaults(func=_cmd_summary)

    ev = sub.add_parser("evaluate", help="precision and recall of the marts against the generator's ground truth")
    ev.add_argument("--ground-truth", help="folder of the ground-truth CSVs (default: <landing>/_ground_truth)")
    ev.set_defaults(func=_cmd_evaluate)

    met = sub.add_parser("metrics", help="answer a metric of the semantic layer (no name: list them)")
    met.add_argument("name", nargs="?", help="metric name, e.g. outflow, deposit_deviation, usable_phone_share")
    met.add_argument("--branch", help="one branch's rows, e.g. B001")
    met.add_argument("--month", help="one month's rows, YYYY-MM")
    met.add_argument("--group-by", action="append",
                     help="another dimension, e.g. branch_churn_month__churn_type (repeatable)")
    met.set_defaults(func=_cmd_metrics)

    page = sub.add_parser("page", help="write the morning pages (one folder per branch) from the warehouse")
    page.add_argument("--out", required=True, help="folder to write them to")
    page.set_defaults(func=_cmd_page)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _quiet_libraries()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
