"""Great Expectations 1.x suites from expectations/suites/*.json, run in DuckDB through GX's SQL datasource.

Each expectation is a SQL aggregate GX sends to the warehouse (duckdb-engine's SQLAlchemy dialect over the
connection the check already holds): no row is read into Python, so memory does not grow with the table and
the suites cost about what the same checks cost as plain SQL (benchmarks/bench_scale.py measures both).

The suites are plain JSON files a bank edits: thresholds (`mostly`, bounds) are in the expectations, and
each expectation's `meta.severity` says whether a failure is an "error" (the data breaks the contract:
downstream assets must not build on it) or a "warning" (reported, the run goes on); the suite's
`meta.severity` is the default. The suite's `meta.table` names the warehouse table it reads and
`meta.asset` the asset the check is attached to: a raw table name (asset raw/<asset>) or a dbt asset
key written as a path (marts/dim_customers).

A raw table's suite checks the rows its last load added: all of them after a full load, the appended
batch after an incremental one (ingestion records where the batch starts), none when nothing changed;
rows loaded earlier were checked when they arrived. On a batch, row-count expectations that only set a
minimum are left out: appending cannot lower a count that passed before.

Values known only at run time are suite parameters (`{"$PARAMETER": name}`): `earliest_valid_ts`
(1900-01-01), `latest_valid_ts` (the end of the load date, today in Asia/Shanghai, as ingestion uses) and
`known_currencies` (CNY and every currency with a rate in raw.fx_rates). Value sets of a vocabulary are
named, not listed (`{"$VOCABULARY": "seed:churn_types.churn_type"}`), and filled from the seed or the raw
contract when the suite is loaded (orchestration/lib/vocabulary.py).

An ephemeral GX context runs them, so a validation never rewrites committed configuration. Results keep
counts only: unexpected values (phones, names) are personal data and are not collected
(partial_unexpected_count = 0), neither in the outcomes nor in the JSON results and Data Docs written to
the quality folder.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from orchestration.lib.settings import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "suites"
# GX sends usage statistics by default; this product runs without network and shares nothing.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
EARLIEST_VALID_TS = datetime(1900, 1, 1)
# Counts only: no unexpected value, no sample of the rows, in any result.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
RESULT_KEYS = ("element_count", "missing_count", "unexpected_count", "unexpected_percent")
DATA_DOCS_SITE = "branch_retention"
# Data Docs rendering (GX recompiles its page templates for every page) costs about a second per suite;
# False writes the JSON results only (the unit tests do, but for the one test of the Data Docs).
BUILD_DATA_DOCS = True


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    mostly: float | None
    severity: str = WARNING
    observed_value: int | float | None = None  # table-level counts only (row counts), never a column's value
    raised_exception: bool = False

    @property
    def label(self) -> str:
        return f"{self.expectation}:{self.column}" if self.column else self.expectation


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]
    results_path: Path | None = None  # the GE validation result as JSON, when written
    data_docs_path: Path | None = None  # the Data Docs index, when built
    scope: str = "all rows"  # which rows were validated (a raw table: the rows its last load added)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def severity(self) -> str:
        """"error" when a failed expectation has error severity, else "warning"."""
        return ERROR if any(o.severity == ERROR for o in self.failed) else WARNING


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


def suite_names() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


def load_suite_config(name: str) -> dict:
    """A suite as GX runs it: every value set named as a vocabulary ({"$VOCABULARY": "seed:<seed>.<column>"} or
    "contract:<table>.<column>") filled from its seed or the raw contract (orchestration/lib/vocabulary.py)."""
    from orchestration.lib.vocabulary import resolve

    return resolve(json.loads(suite_path(name).read_text(encoding="utf-8")))


def expectation_severity(config: dict, expectation: dict) -> str:
    severity = (expectation.get("meta") or {}).get("severity") or (config.get("meta") or {}).get("severity") or WARNING
    if severity not in SEVERITIES:
        raise ValueError(f"suite {config.get('name')}: severity {severity!r} is not one of {SEVERITIES}")
    return severity


def suite_has_errors(config: dict) -> bool:
    """Whether any expectation of the suite has error severity (its check then blocks downstream assets)."""
    return any(expectation_severity(config, e) == ERROR for e in config["expectations"])


def suite_columns(config: dict) -> list[str]:
    """The columns the suite's expectations read, in first-use order."""
    columns: list[str] = []
    for e in config["expectations"]:
        kwargs = e.get("kwargs", {})
        for c in [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B"), *kwargs.get("column_list", [])]:
            if c and c not in columns:
                columns.append(c)
    return columns


def runtime_parameters(con, latest_valid_date: date | None = None) -> dict:
    """The suite parameters: valid date range and the currencies an account may hold."""
    from orchestration.lib.contract import BASE_CURRENCY
    from orchestration.lib.ingest import load_date, table_exists

    latest = latest_valid_date or load_date()
    currencies = [BASE_CURRENCY]
    if table_exists(con, "raw", "fx_rates"):
        currencies += [r[0] for r in con.execute(
            "SELECT DISTINCT currency FROM raw.fx_rates WHERE currency IS NOT NULL ORDER BY 1").fetchall()]
    return {
        "earliest_valid_ts": EARLIEST_VALID_TS,
        "latest_valid_ts": datetime.combine(latest, time.max),
        "known_currencies": sorted(set(currencies)),
    }


@dataclass
class Batch:
    """The rows of a raw table its last load added: rowid >= start (ingestion only appends between full loads)."""

    mode: str  # full | incremental | unchanged
    start: int
    rows: int  # rows in the table

    @property
    def scope(self) -> str:
        if self.mode == "full":
            return "all rows (full load)"
        return f"rows added by the last ({self.mode}) load: {self.rows - self.start} of {self.rows}"


def last_load_batch(con, table: str) -> Batch | None:
    """The batch of a raw contract table (`raw.<name>`) as its last load left it; None for other tables."""
    from orchestration.lib.contract import TABLES
    from orchestration.lib.ingest import AUDIT_TABLE, RAW_SCHEMA

    schema, _, name = table.partition(".")
    if schema != RAW_SCHEMA or name not in TABLES:
        return None
    try:
        row = con.execute(
            f"SELECT load_mode, accepted_before, rows_accepted FROM {AUDIT_TABLE} WHERE table_name = ?", [name]
        ).fetchone()
    except Exception:  # a warehouse loaded before load bookkeeping existed: validate the whole table
        return None
    return Batch(row[0], row[1] or 0, row[2]) if row and row[0] else None


def batch_config(config: dict) -> dict:
    """The suite for a batch: without the row-count expectations that only set a minimum."""
    def whole_table_only(e: dict) -> bool:
        kwargs = e.get("kwargs", {})
        return e["type"] == "expect_table_row_count_to_be_between" and kwargs.get("max_value") is None
    return {**config, "expectations": [e for e in config["expectations"] if not whole_table_only(e)]}


def batch_query(con, config: dict, batch: Batch | None = None) -> str:
    """The SQL of the rows a suite validates: only the columns its expectations read, and with a batch only
    the rows of the batch. A column the table lacks is left out: expect_column_to_exist (or the expectation
    itself) then fails on it."""
    table = config["meta"]["table"]
    present = {r[0] for r in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    select = ", ".join(_quoted(c) for c in suite_columns(config) if c in present) or "*"
    where = f" WHERE rowid >= {int(batch.start)}" if batch else ""
    return f"SELECT {select} FROM {table}{where}"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# ------------------------------------------------------------------ running a suite

_CONTEXTS: dict[str, object] = {}


def _context(docs_dir: Path | None):
    """One ephemeral GX context per Data Docs folder and process, so the Data Docs index lists every suite
    validated in the run (a Dagster run executes its checks in one process)."""
    import great_expectations as gx

    key = str(docs_dir) if docs_dir else ""
    if key not in _CONTEXTS:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        if docs_dir:
            context.add_data_docs_site(
                site_name=DATA_DOCS_SITE,
                site_config={
                    "class_name": "SiteBuilder",
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "site_section_builders": {"profiling": "0"},
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                },
            )
        _CONTEXTS[key] = context
    return _CONTEXTS[key]


def _forget(context, name: str) -> None:
    """Drop what an earlier validation of the same suite registered in this context."""
    for store in (context.checkpoints, context.validation_definitions, context.suites, context.data_sources):
        try:
            store.delete(name)
        except Exception:  # not registered yet: GX raises a different error per store
            pass


def expectation_column(kwargs: dict) -> str | None:
    """The column(s) an expectation reads, as its label shows them: one column, a column list or a pair."""
    if kwargs.get("column"):
        return kwargs["column"]
    if kwargs.get("column_list"):
        return ",".join(kwargs["column_list"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return None


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _read_only_connection_class():
    """duckdb-engine's DBAPI connection that opens no transaction, so has none to roll back.

    A DuckDB result is lazy: the next statement on the connection discards it, a rollback too. Great
    Expectations executes a metric query, leaves SQLAlchemy's `with engine.connect()` (which rolls back)
    and only then fetches, so with DuckDB's rollback every metric came back empty. The checks only read: each
    statement runs in DuckDB's own autocommit, nothing is rolled back, and the results stay lazy (GX reads one row of the
    batch query to learn its columns, and only that row reaches Python)."""
    import duckdb_engine

    class ReadOnlyConnection(duckdb_engine.ConnectionWrapper):
        def begin(self) -> None:
            pass

        def rollback(self) -> None:
            pass

        def commit(self) -> None:
            pass

    return ReadOnlyConnection


def _sql_datasource(context, name: str, con):
    """A GX SQL datasource over the open DuckDB connection `con`: each SQLAlchemy connection is a cursor of
    it (DuckDB's own connection to the same database, seeing what `con` committed), so the check needs no
    second open of the warehouse file, which DuckDB refuses in one process with another configuration."""
    import sqlalchemy.dialects.postgresql as postgresql_dialect

    connection = _read_only_connection_class()
    datasource = context.data_sources.add_sql(
        name=name, connection_string="duckdb:///:memory:",
        # pool_reset_on_return: a cursor has nothing to roll back (the checks only read)
        kwargs={"creator": lambda: connection(con.cursor()), "pool_reset_on_return": None})
    # GX picks a dialect module "for purposes of identifying types" by name and knows none for duckdb, so it
    # refuses regular expressions there. duckdb-engine's dialect is PostgreSQL's, and DuckDB's `~` / `!~`
    # match a regular expression anywhere in the value as PostgreSQL's do (the suites anchor theirs).
    datasource.get_execution_engine().dialect_module = postgresql_dialect
    return datasource


def validate_query(con, suite_name: str, query: str, parameters: dict | None = None,
                   output_dir: Path | None = None, config: dict | None = None, scope: str = "all rows") -> SuiteOutcome:
    """Run one suite (its file, or `config` in its place) in DuckDB on the rows of `query`, through GX's SQL
    datasource: every expectation is a SQL aggregate GX sends to the warehouse, so no row reaches Python
    and memory does not grow with the table. With output_dir, write the GE result as JSON to
    output_dir/results/ and update the Data Docs in output_dir/data_docs/."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    config = config or load_suite_config(suite_name)
    docs_dir = output_dir / "data_docs" if output_dir and BUILD_DATA_DOCS else None
    context = _context(docs_dir)
    _forget(context, suite_name)
    suite = context.suites.add(
        ExpectationSuite(name=config["name"], expectations=config["expectations"], meta=config.get("meta")))
    datasource = _sql_datasource(context, suite_name, con)
    try:
        batch_definition = (datasource.add_query_asset(name=suite_name, query=query)
                            .add_batch_definition_whole_table("all"))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
        actions = []
        if docs_dir:
            # Only this run's page of the suite stays: the folder does not grow with every run.
            shutil.rmtree(docs_dir / "validations" / config["name"], ignore_errors=True)
            actions.append(gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE]))
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(name=suite_name, validation_definitions=[validation], actions=actions,
                          result_format=RESULT_FORMAT))
        run = checkpoint.run(expectation_parameters=parameters or {})
    finally:
        # Close the cursors: an open one keeps the warehouse file (and its lock) open after `con` closes.
        datasource.get_engine().dispose()
    result = next(iter(run.run_results.values()))

    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        kwargs = cfg.kwargs
        outcomes.append(
            ExpectationOutcome(
                expectation=cfg.type,
                column=expectation_column(kwargs),
                success=bool(r.success),
                element_count=r.result.get("element_count"),
                unexpected_count=r.result.get("unexpected_count"),
                unexpected_percent=r.result.get("unexpected_percent"),
                mostly=kwargs.get("mostly"),
                severity=expectation_severity(config, {"meta": cfg.meta}),
                observed_value=(_number(r.result.get("observed_value"))
                                if cfg.type.startswith("expect_table_") else None),
                raised_exception=bool((r.exception_info or {}).get("raised_exception")),
            )
        )
    outcome = SuiteOutcome(suite_name, bool(result.success), outcomes, scope=scope)
    if output_dir:
        outcome.results_path = _write_results(output_dir, suite_name, outcome, result.to_json_dict())
        outcome.data_docs_path = docs_dir / "index.html" if docs_dir else None
    return outcome


def validate_frame(suite_name: str, frame: pd.DataFrame, parameters: dict | None = None,
                   output_dir: Path | None = None, config: dict | None = None, scope: str = "all rows") -> SuiteOutcome:
    """Run one suite on a frame (a planted batch in a test): the frame becomes a table of a DuckDB in memory
    and is validated there, the same way as a warehouse table."""
    import duckdb

    con = duckdb.connect()
    try:
        # a table, not a registered view: a registered frame is visible only on `con`, not on its cursors
        con.register("frame_rows", frame)
        con.execute("CREATE TABLE frame AS SELECT * FROM frame_rows")
        return validate_query(con, suite_name, "SELECT * FROM frame", parameters, output_dir, config, scope)
    finally:
        con.close()


def _write_results(output_dir: Path, suite_name: str, outcome: SuiteOutcome, ge_result: dict) -> Path:
    """The GE validation result (counts only, as validated with RESULT_FORMAT) and our severity summary."""
    path = output_dir / "results" / f"{suite_name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "suite": suite_name,
        "scope": outcome.scope,
        "success": outcome.success,
        "severity": outcome.severity,
        "failed": [{"expectation": o.label, "severity": o.severity, "unexpected_count": o.unexpected_count,
                    "unexpected_percent": o.unexpected_percent} for o in outcome.failed],
    }
    path.write_text(json.dumps({"summary": summary, "great_expectations_result": ge_result}, indent=2,
                               ensure_ascii=False, default=str), encoding="utf-8")
    return path


def validate_table(con, suite_name: str, latest_valid_date: date | None = None,
                   output_dir: Path | None = None) -> SuiteOutcome:
    """Validate the suite's table in the warehouse (a raw table: the rows its last load added) with the
    run-time parameters."""
    config, query, scope = suite_batch(con, suite_name)
    return validate_query(con, suite_name, query, runtime_parameters(con, latest_valid_date), output_dir, config,
                          scope=scope)


def suite_batch(con, suite_name: str) -> tuple[dict, str, str]:
    """What a suite validates in the warehouse: its config (for an appended batch, without the whole-table row
    counts), the SQL of its rows (a raw table: the rows its last load added) and that scope in words."""
    config = load_suite_config(suite_name)
    batch = last_load_batch(con, config["meta"]["table"])
    appended = batch if batch and batch.mode != "full" else None
    if appended:
        config = batch_config(config)
    return config, batch_query(con, config, appended), batch.scope if batch else "all rows"
