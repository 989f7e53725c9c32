"""The dbt project as Dagster assets: the models rebuilt by month partitioned by month, the others not; dbt
tests become asset checks; row counts and column schemas on the model assets."""

import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator

from orchestration.lib import engine, settings
from orchestration.lib.dbt_args import build_args, dbt_vars

# The dbt installed beside this Python, so nothing needs activating: `dagster dev` re-parses the project
# with the `dbt` it finds on PATH.
DBT_BIN_DIR = Path(sys.prefix) / "bin"
if (DBT_BIN_DIR / "dbt").exists() and str(DBT_BIN_DIR) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = str(DBT_BIN_DIR) + os.pathsep + os.environ.get("PATH", "")

# The manifest is read from where dbt writes its artifacts: dbt's own DBT_TARGET_PATH when set, else target/.
dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR,
                         target_path=os.environ.get("DBT_TARGET_PATH", "target"))
# The files a manifest is parsed from: a change to any of them makes the manifest stale.
DBT_SOURCE_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")


def _newest_source(project: DbtProject) -> float:
    """The latest modification time of the files a manifest is parsed from."""
    root = Path(project.project_dir)
    files = [root / "dbt_project.yml", root / "profiles.yml"]
    files += [p for d in DBT_SOURCE_DIRS if (root / d).is_dir() for p in (root / d).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def manifest_is_stale(project: DbtProject) -> bool:
    """Whether the manifest is missing or older than a file of the dbt project (a pull, a merge, an edit since
    the install step parsed it). A stale manifest names tests and models the project no longer has."""
    if not project.manifest_path.exists():
        return True
    return _newest_source(project) > project.manifest_path.stat().st_mtime


def prepare_manifest(project: DbtProject, parse=None) -> None:
    """Re-parse a stale manifest (`dbt parse`, as `make install` does), once even when several processes (test
    workers, the CLI beside the UI) import the definitions at the same time. `parse` stands in for dbt in a
    test."""
    import fcntl

    if not manifest_is_stale(project):
        return
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with open(project.manifest_path.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest_is_stale(project):  # another process may have parsed it while this one waited
            (parse or project.preparer.prepare)(project)
            # as new as the newest source, even one dated ahead of the clock, so it is not parsed on every import
            stamp = max(time.time(), _newest_source(project))
            os.utime(project.manifest_path, (stamp, stamp))


# Under `dagster dev` the manifest is re-parsed on every load; elsewhere the install step (make) prepared it,
# and it is parsed again here only when a dbt file changed since.
if dbt_project.preparer.using_dagster_dev():
    dbt_project.prepare_if_dev()
else:
    prepare_manifest(dbt_project)

# One partition per calendar month, for the models rebuilt by month (tag monthly). A run for a month (or a
# backfill over several) rebuilds those months of them; the other models are rebuilt whole on every run.
# end_offset=1: the month in progress is a partition too (the daily refresh writes into it).
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=settings.first_partition_month(), end_offset=1)


# Folders whose models belong to another domain's group.
DOMAIN_GROUPS = {"balances": "customers"}


class BranchRetentionTranslator(DagsterDbtTranslator):
    """Sources are the Python assets (raw/<table>, reference/<table>). Models group by business domain, the
    folder under their layer (models/<layer>/<domain>/), so the graph reads in the order the data flows:
    staging, then customers (balances are the customers' money), churn, lifecycle, staffing, branches, quality."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 3:
            if fqn[1] == "staging":
                return "staging"
            return DOMAIN_GROUPS.get(fqn[2], fqn[2])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return super().get_group_name(dbt_resource_props)


# Source tests are asset checks on the raw assets like the others (without it, each was logged as an
# observation with a warning: a hundred warnings a run).
translator = BranchRetentionTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True))


class DbtRunConfig(dg.Config):
    """Run configuration of the dbt steps (Launchpad: ops.branch_retention_dbt_assets.config; it configures
    the monthly models' step too, ops.monthly_dbt_assets.config being for a run of the monthly models alone)."""

    as_of_date: str | None = None  # YYYY-MM-DD; default: the latest data
    full_refresh: bool = False  # rebuild incremental models from scratch


# The dbt models rebuilt by month (tag `monthly` in their config): the incremental models that read the
# transactions. They are the only partitioned assets; every other model is a table or view rebuilt whole.
MONTHLY_TAG = "monthly"
MAIN_OP = "branch_retention_dbt_assets"
MONTHLY_OP = "monthly_dbt_assets"


def _run_config(context: dg.AssetExecutionContext, config: DbtRunConfig) -> DbtRunConfig:
    """One dbt config for the whole run: the main dbt op's, when the run has it (the CLI, the Launchpad and
    the tests set that one), else this op's own."""
    ops = (context.run_config or {}).get("ops", {})
    main = ops.get(MAIN_OP, {}).get("config")
    return DbtRunConfig(**main) if main else config


def run_partition_window(context: dg.AssetExecutionContext) -> dg.TimeWindow | None:
    """The months of the run's partition (or partition range), for every dbt step of the run, partitioned or
    not: the same vars in each dbt invocation, so dbt parses the project once (a change of vars makes dbt
    parse it all again) and the tables see the same window as the monthly models."""
    tags = context.run.tags
    key = tags.get("dagster/partition")
    first, last = (key, key) if key else (tags.get("dagster/asset_partition_range_start"),
                                           tags.get("dagster/asset_partition_range_end"))
    if not first or not last:
        return None
    return dg.TimeWindow(monthly_partitions.time_window_for_partition_key(first).start,
                         monthly_partitions.time_window_for_partition_key(last).end)


def _copies_into_engine(context: dg.AssetExecutionContext) -> bool:
    """Whether this dbt step copies the raw tables into a non-DuckDB engine first: the step that builds the
    staging views (they read them), or any dbt step of a run that builds no staging view."""
    if any(key.path[0] == "staging" for key in context.selected_asset_keys):
        return True
    in_run = context.run.asset_selection
    return in_run is not None and not any(key.path[0] == "staging" for key in in_run)


def with_table_metadata(invocation):
    """The dbt build's events with row counts (tables; views are not counted) and column schemas on each
    model's and seed's materialization: dagster-dbt's fetchers, through the dbt adapter, once dbt has finished
    (DuckDB admits no reader beside dbt's writer, so dagster-dbt waits for it there anyway). On DuckDB and
    PostgreSQL. On Spark the adapter would start a second Spark session beside the build's (the embedded
    metastore admits one JVM), so the tables' own Parquet files are read instead, by DuckDB, as each model is
    built (with_spark_table_metadata; views get neither). No column lineage: it parses every model's SQL
    and reads every parent's columns again, for a graph the asset lineage already shows."""
    events = invocation.stream()
    if engine.target() == "spark":
        yield from (with_spark_table_metadata(invocation.manifest, event) for event in events)
        return
    done, error = [], None
    try:
        done.extend(events)
    except Exception as exc:  # a failed dbt build: what it built first, then its error
        error = exc
    # The fetchers query each node's relation_name: read it from this build's own manifest, as the manifest
    # Dagster loaded was parsed for another warehouse file (DuckDB names the database after the file:
    # data/warehouse.duckdb at install, any path at run time).
    built = invocation.target_path / "manifest.json"
    if built.exists():
        invocation.manifest = json.loads(built.read_text())
    materialized = [e for e in done if isinstance(e, (dg.Output, dg.AssetMaterialization))]
    # The checks after the materializations: the fetchers would look up a table for each test too.
    yield from DbtEventIterator(iter(materialized), invocation).fetch_row_counts().fetch_column_metadata(
        with_column_lineage=False)
    yield from (e for e in done if not isinstance(e, (dg.Output, dg.AssetMaterialization)))
    if error is not None:
        raise error


def with_spark_table_metadata(manifest: Mapping[str, Any], event):
    """A dbt event on Spark with the row count and column schema of the table it materialized, read from the
    table's Parquet files (engine.spark_table_stats: types as DuckDB reads them; descriptions from the dbt
    docs). Views, tests and a table without files go as they are; a failed read only loses the metadata."""
    if not isinstance(event, (dg.Output, dg.AssetMaterialization)) or "unique_id" not in event.metadata:
        return event
    node = manifest["nodes"].get(event.metadata["unique_id"].value)
    if not node or node.get("config", {}).get("materialized") == "view":
        return event
    try:
        stats = engine.spark_table_stats(node["schema"], node.get("alias") or node["name"])
    except Exception as exc:  # the metadata is for the UI: never fail a build for it
        dg.get_dagster_logger().warning(f"no row count for {node['unique_id']}: {exc}")
        return event
    if stats is None:
        return event
    rows, columns = stats
    docs = node.get("columns") or {}
    schema = dg.TableSchema(columns=[dg.TableColumn(name, type_, description=(docs.get(name) or {}).get("description"))
                                     for name, type_ in columns])
    # the keys dagster-dbt's fetchers write (TableMetadataSet's)
    return event.with_metadata({**event.metadata, "dagster/row_count": dg.MetadataValue.int(rows),
                                "dagster/column_schema": dg.MetadataValue.table_schema(schema),
                                "dagster/storage_kind": "spark"})


def _release_duckdb() -> None:
    """Close the read-only connection the metadata fetchers opened in this process: the next dbt step (another
    process) and the steps after it open the file for writing."""
    if not engine.uses_duckdb():
        return
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None


def _dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig, monthly: bool = False):
    config = _run_config(context, config)
    window = run_partition_window(context)
    vars_ = dbt_vars(window.start if window else None, window.end if window else None, config.as_of_date)
    context.log.info(f"dbt vars: {vars_}")
    if not engine.uses_duckdb() and _copies_into_engine(context):
        # Ingestion validated the extracts into the DuckDB working warehouse; dbt builds in the engine, so
        # the tables it reads are copied there first (orchestration/lib/engine.py).
        copied = engine.load_into_engine(settings.warehouse_path())
        context.log.info(f"copied into {engine.target()}: " + ", ".join(f"{t} {n} rows" for t, n in copied.items()))
    # Whether an incremental model may keep its earlier months is decided in dbt itself, from what each was
    # built from (macros/incremental/build_state.sql), so a dbt-only run is as right as this one.
    invocation = dbt.cli(build_args(vars_, config.full_refresh), context=context)
    try:
        if not monthly:
            yield from with_table_metadata(invocation)
            return
        built, error = [], None
        try:
            built.extend(with_table_metadata(invocation))
        except Exception as exc:  # a failed build: what it built, then its error
            error = exc
        # The months already held first, so each model's latest materialization is this build's own (with
        # its row count and columns).
        if error is None:
            yield from _months_held(context, invocation)
        yield from built
        if error is not None:
            raise error
    finally:
        _release_duckdb()


def _months_held(context: dg.AssetExecutionContext, invocation) -> list[dg.AssetMaterialization]:
    """A materialization for each month a monthly model holds that Dagster has none for: the months an earlier
    build made (a first build, a full refresh, a catch-up, a dbt run outside Dagster), so no month reads
    "missing" that the table holds. Read from the column its config names (meta month_column)."""
    if invocation.adapter is None and engine.target() != "spark":
        return []
    keys = set(monthly_partitions.get_partition_keys()) - set(context.partition_keys)  # this run's: its outputs
    events = []
    for key in context.selected_asset_keys:
        props = _model_node(invocation.manifest, key)
        column = (props or {}).get("config", {}).get("meta", {}).get("month_column")
        if not column:
            continue
        held = _months_in_table(invocation, props, column) & keys
        recorded = context.instance.get_materialized_partitions(key)
        for month in sorted(held - recorded):
            events.append(dg.AssetMaterialization(
                asset_key=key, partition=month,
                description="held by the table, built by a build that covered more months than its run's "
                        "partition (a first build, a full refresh or a catch-up builds every month from its first on)",
                metadata={"recorded_by_run": context.run_id}))
    if events:
        context.log.info(f"recorded {len(events)} model-months the monthly models already held")
    return events


def _months_in_table(invocation, props: Mapping[str, Any], column: str) -> set[str]:
    """The months (YYYY-MM-01) a monthly model's table holds, by its month column: through the dbt adapter on
    DuckDB and PostgreSQL; on Spark from the table's Parquet files, by DuckDB (no second Spark session)."""
    months = f"select distinct cast(date_trunc('month', {column}) as date) as month_start from "
    if engine.target() == "spark":
        import duckdb

        source = engine.spark_table_source(props["schema"], props.get("alias") or props["name"])
        if source is None:
            return set()
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'Asia/Shanghai'")  # a timestamp column's month in bank time
            table = con.execute(months + source).fetchall()
        finally:
            con.close()
    else:
        with invocation.adapter.connection_named(f"months_{props['name']}"):
            _, table = invocation.adapter.execute(months + props["relation_name"], fetch=True)
    return {f"{row[0]:%Y-%m-%d}" for row in table if row[0] is not None}


def _model_node(manifest: Mapping[str, Any], key: dg.AssetKey) -> Mapping[str, Any] | None:
    """The manifest node of the model behind a dbt asset key."""
    models = (node for node in manifest["nodes"].values() if node["resource_type"] == "model")
    return next((node for node in models if translator.get_asset_key(node) == key), None)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    select=f"tag:{MONTHLY_TAG}",
    name=MONTHLY_OP,
    partitions_def=monthly_partitions,
)
def monthly_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig):
    """The models rebuilt by month, partitioned by month: a run for a month (or a backfill over several)
    rebuilds those months."""
    yield from _dbt_build(context, dbt, config, monthly=True)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    exclude=f"tag:{MONTHLY_TAG}",  # the monthly models are the other op's
    name=MAIN_OP,
)
def branch_retention_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig):
    """Every other model, seed and snapshot: not partitioned, rebuilt whole on every run (views and tables)."""
    yield from _dbt_build(context, dbt, config)


dbt_asset_defs = [branch_retention_dbt_assets, monthly_dbt_assets]


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(settings.DBT_PROJECT_DIR))
