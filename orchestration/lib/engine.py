"""The engine dbt builds the models in: DuckDB (default, the working warehouse file itself), PostgreSQL or Spark.

Ingestion always validates into the DuckDB working warehouse (contract, quarantine, calendar); with
BRANCH_RETENTION_TARGET=postgres the accepted tables dbt reads (the raw tables of the `bank` source,
raw.load_changes and reference.working_days) are then copied into PostgreSQL with COPY before dbt builds
there, and the marts are read back from PostgreSQL for the quality checks and publishing.

The PostgreSQL connection comes from the same environment variables dbt's profiles.yml reads:
BRANCH_RETENTION_PG_HOST / _PORT / _USER / _PASSWORD / _DB. Nothing here logs a value of a row.

With BRANCH_RETENTION_TARGET=spark (dbt-spark in session mode) the same tables are written as Parquet
under BRANCH_RETENTION_SPARK_DIR and registered as Spark tables over those files, in a Spark session of
their own (a child process: the embedded Derby metastore admits one JVM at a time, and dbt starts its own);
the marts Spark built are Parquet files of the same folder, which DuckDB reads back with their types.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

TARGET_ENV = "BRANCH_RETENTION_TARGET"
TARGETS = ("duckdb", "postgres", "spark")

# What dbt reads from outside dbt: the `bank` source's tables, the load bookkeeping the incremental
# macros read, and the working-day calendar (models/staging/*/_*__sources.yml).
BANK_TABLES = ("branches", "staff", "customers", "accounts", "fx_rates", "transactions", "complaints",
               "contact_logs", "withdrawal_registrations")
ENGINE_TABLES = tuple(("raw", t) for t in BANK_TABLES) + (("raw", "load_changes"), ("reference", "working_days"))


def target() -> str:
    name = (os.environ.get(TARGET_ENV) or "duckdb").strip().lower()
    if name not in TARGETS:
        raise ValueError(f"{TARGET_ENV}={name!r}: expected one of {', '.join(TARGETS)}")
    return name


def uses_duckdb() -> bool:
    return target() == "duckdb"


def pg_settings() -> dict:
    """psycopg2 connection keywords, from the variables profiles.yml reads (same defaults)."""
    return {
        "host": os.environ.get("BRANCH_RETENTION_PG_HOST", "localhost"),
        "port": int(os.environ.get("BRANCH_RETENTION_PG_PORT", "5432")),
        "user": os.environ.get("BRANCH_RETENTION_PG_USER", "postgres"),
        "password": os.environ.get("BRANCH_RETENTION_PG_PASSWORD", ""),
        "dbname": os.environ.get("BRANCH_RETENTION_PG_DB", "branch_retention"),
    }


def pg_connect():
    import psycopg2

    return psycopg2.connect(**pg_settings())


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# DuckDB type -> PostgreSQL type, for the tables copied into PostgreSQL.
def _duckdb_to_pg(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith("DECIMAL") or t.startswith("NUMERIC"):
        m = re.search(r"\((\d+)\s*,\s*(\d+)\)", t)
        return f"numeric({m.group(1)}, {m.group(2)})" if m else "numeric"
    simple = {
        "VARCHAR": "text", "TEXT": "text", "JSON": "text", "BOOLEAN": "boolean", "DATE": "date",
        "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "BIGINT": "bigint",
        "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "smallint", "HUGEINT": "numeric(38, 0)",
        "UBIGINT": "numeric(20, 0)", "UINTEGER": "bigint", "DOUBLE": "double precision", "FLOAT": "real",
        "TIME": "time",
    }
    if t not in simple:
        raise ValueError(f"no PostgreSQL type for DuckDB type {duck_type}")
    return simple[t]


# PostgreSQL type (information_schema) -> DuckDB type, for the marts read back from PostgreSQL.
def _pg_to_duckdb(data_type: str, precision, scale) -> str:
    t = data_type.lower()
    if t == "numeric":
        return f"DECIMAL({precision}, {scale})" if precision is not None else "DECIMAL(38, 10)"
    simple = {
        "text": "VARCHAR", "character varying": "VARCHAR", "character": "VARCHAR", "boolean": "BOOLEAN",
        "date": "DATE", "timestamp without time zone": "TIMESTAMP", "timestamp with time zone": "TIMESTAMPTZ",
        "bigint": "BIGINT", "integer": "INTEGER", "smallint": "SMALLINT", "double precision": "DOUBLE",
        "real": "FLOAT", "json": "JSON", "jsonb": "JSON", "time without time zone": "TIME",
    }
    if t not in simple:
        raise ValueError(f"no DuckDB type for PostgreSQL type {data_type}")
    return simple[t]


def _duck_columns(duck, schema: str, table: str) -> list[tuple[str, str]]:
    return duck.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, table]).fetchall()


def _pg_columns(cur, schema: str, table: str) -> list[tuple]:
    cur.execute(
        "SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position", (schema, table))
    return cur.fetchall()


def _pg_create_types(cur, schema: str, table: str) -> list[tuple[str, str]]:
    """The columns of a PostgreSQL table as (name, type as CREATE TABLE spells it)."""
    out = []
    for name, data_type, precision, scale in _pg_columns(cur, schema, table):
        if data_type == "numeric" and precision is not None:
            out.append((name, f"numeric({precision}, {scale})"))
        else:
            out.append((name, {"timestamp without time zone": "timestamp",
                               "timestamp with time zone": "timestamptz"}.get(data_type, data_type)))
    return out


@contextmanager
def scratch_dir(near: Path):
    """A temporary folder inside the warehouse folder (the disk the data lives on), removed afterwards."""
    near.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".engine-copy-", dir=near))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def load_into_postgres(warehouse: Path, tables=ENGINE_TABLES) -> dict[str, int]:
    """Copy the tables dbt reads from the DuckDB working warehouse into PostgreSQL, in one transaction (dbt
    never sees half a load). A table whose columns are unchanged is truncated and refilled (the views dbt
    built on it stay); one whose columns changed is dropped (with dbt's views on it) and created again.
    Returns the rows copied per table."""
    import duckdb
    import psycopg2

    rows: dict[str, int] = {}
    duck = duckdb.connect(str(warehouse), read_only=True)
    pg = pg_connect()
    try:
        with scratch_dir(warehouse.parent) as scratch, pg.cursor() as cur:
            for schema, table in tables:
                columns = _duck_columns(duck, schema, table)
                if not columns:
                    raise RuntimeError(f"{schema}.{table} is not in the working warehouse: load it first")
                wanted = [(c, _duckdb_to_pg(t)) for c, t in columns]
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
                existing = _pg_create_types(cur, schema, table)
                relation = f"{_q(schema)}.{_q(table)}"
                if existing == wanted:
                    cur.execute(f"TRUNCATE {relation}")
                else:
                    cur.execute(f"DROP TABLE IF EXISTS {relation} CASCADE")
                    cur.execute(f"CREATE TABLE {relation} ({', '.join(f'{_q(c)} {t}' for c, t in wanted)})")
                csv = scratch / f"{schema}.{table}.csv"
                # DuckDB writes NULL as an empty field and an empty text as "": PostgreSQL's CSV reads both back.
                duck.execute(f"COPY (SELECT * FROM {relation}) TO '{csv}' (FORMAT csv, HEADER false)")
                with open(csv, "rb") as f:
                    try:
                        cur.copy_expert(f"COPY {relation} FROM STDIN WITH (FORMAT csv)", f)
                    except psycopg2.Error as exc:
                        # PostgreSQL's COPY errors quote the offending value: personal data, never in a message
                        raise RuntimeError(f"could not copy {schema}.{table} into PostgreSQL "
                                           f"({type(exc).__name__}, SQLSTATE {exc.pgcode}; the row is not shown)") from None
                rows[f"{schema}.{table}"] = cur.rowcount
                csv.unlink()
                cur.execute(f"ANALYZE {relation}")
        pg.commit()
    except Exception:
        pg.rollback()
        raise
    finally:
        pg.close()
        duck.close()
    return rows


def postgres_tables(schema: str) -> list[str]:
    pg = pg_connect()
    try:
        with pg.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                        "AND table_type = 'BASE TABLE' ORDER BY table_name", (schema,))
            return [r[0] for r in cur.fetchall()]
    finally:
        pg.close()


def copy_from_postgres(duck, schema: str, tables: list[str] | None = None, into_schema: str | None = None,
                       scratch_near: Path | None = None) -> dict[str, int]:
    """Copy PostgreSQL tables (default: every table of `schema`) into a DuckDB connection, schema
    `into_schema` (default the same name), with the same types (numeric(p, s) -> DECIMAL(p, s)...).
    Returns the rows copied per table."""
    import duckdb

    into_schema = into_schema or schema
    tables = tables if tables is not None else postgres_tables(schema)
    rows: dict[str, int] = {}
    duck.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(into_schema)}")
    pg = pg_connect()
    try:
        with scratch_dir(scratch_near or Path(tempfile.gettempdir())) as scratch, pg.cursor() as cur:
            for table in tables:
                columns = [(c, _pg_to_duckdb(t, p, s)) for c, t, p, s in _pg_columns(cur, schema, table)]
                if not columns:
                    raise RuntimeError(f"{schema}.{table} is not in PostgreSQL")
                csv = scratch / f"{schema}.{table}.csv"
                with open(csv, "wb") as f:
                    cur.copy_expert(f"COPY {_q(schema)}.{_q(table)} TO STDOUT WITH (FORMAT csv)", f)
                types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns) + "}"
                names = ", ".join(_q(c) for c, _ in columns)
                target_relation = f"{_q(into_schema)}.{_q(table)}"
                duck.execute(
                    f"CREATE OR REPLACE TABLE {target_relation} ({', '.join(f'{_q(c)} {t}' for c, t in columns)})")
                try:
                    duck.execute(
                        f"INSERT INTO {target_relation} SELECT {names} FROM read_csv('{csv}', header = false, "
                        f"columns = {types}, auto_detect = false, quote = '\"', escape = '\"', "
                        f"allow_quoted_nulls = false)")
                except duckdb.Error as exc:
                    # DuckDB's CSV errors quote the offending line: personal data, never in a message
                    raise RuntimeError(f"could not read {schema}.{table} back from PostgreSQL "
                                       f"({type(exc).__name__}; the row is not shown)") from None
                rows[table] = duck.execute(f"SELECT count(*) FROM {target_relation}").fetchone()[0]
                csv.unlink()
    finally:
        pg.close()
    return rows


@contextmanager
def marts_connection(warehouse: Path, tables: list[str] | None = None):
    """A DuckDB connection whose schema `marts` holds the marts as the engine built them: the working
    warehouse itself on DuckDB; on PostgreSQL an in-memory DuckDB the marts (all, or `tables`) are
    copied into from PostgreSQL, so the quality checks and publishing read what the engine built."""
    import duckdb

    if uses_duckdb():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            yield con
        finally:
            con.close()
        return
    con = duckdb.connect()
    try:
        copy_from_engine(con, "marts", tables, scratch_near=warehouse.parent)
        yield con
    finally:
        con.close()


def table_name_parts(qualified: str) -> tuple[str, str]:
    schema, _, table = qualified.partition(".")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise ValueError(f"not a schema.table name: {qualified}")
    return schema, table


def postgres_row_counts(schema: str) -> dict[str, int]:
    pg = pg_connect()
    try:
        with pg.cursor() as cur:
            counts = {}
            for table in postgres_tables(schema):
                cur.execute(f"SELECT count(*) FROM {_q(schema)}.{_q(table)}")
                counts[table] = cur.fetchone()[0]
            return counts
    finally:
        pg.close()


def describe() -> str:
    """The engine, for the summary: 'duckdb', 'spark <folder>' or 'postgres host:port/db' (no user, no password)."""
    if uses_duckdb():
        return "duckdb"
    if target() == "spark":
        return f"spark {spark_dir()}"
    s = pg_settings()
    return f"postgres {s['host']}:{s['port']}/{s['dbname']}"


# --- Spark (dbt-spark, session mode) ----------------------------------------------------------------------

SPARK_DIR_ENV = "BRANCH_RETENTION_SPARK_DIR"


def spark_dir() -> Path:
    """Where Spark keeps its tables (warehouse/), its metastore (metastore_db/) and the Parquet extracts
    of the raw tables (extracts/). profiles.yml reads the same variable; its default, ../data/spark from
    dbt_project/, is this one."""
    from orchestration.lib import settings

    return Path(os.environ.get(SPARK_DIR_ENV) or settings.PROJECT_ROOT / "data" / "spark").resolve()


def spark_conf(root: Path | None = None) -> dict[str, str]:
    """The Spark session settings, the same as the spark target's server_side_parameters in profiles.yml:
    local[2], the Hive catalog on an embedded Derby metastore under `root`, localhost only, no UI."""
    root = root or spark_dir()
    return {
        "spark.master": os.environ.get("BRANCH_RETENTION_SPARK_MASTER", "local[2]"),
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.driver.memory": os.environ.get("BRANCH_RETENTION_SPARK_MEMORY", "4g"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "Asia/Shanghai",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.sources.default": "parquet",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }


def load_into_spark(warehouse: Path, tables=ENGINE_TABLES, root: Path | None = None) -> dict[str, int]:
    """Write the tables dbt reads from the DuckDB working warehouse as Parquet (extracts/<schema>/<table>/
    under the Spark folder) and register each as a Spark table over its files (dropped and registered
    again, so a changed column list is taken up; the views dbt built on it resolve by name). The Spark
    session runs in a child process and ends with it. Returns the rows written per table."""
    import duckdb

    root = root or spark_dir()
    extracts = root / "extracts"
    rows: dict[str, int] = {}
    duck = duckdb.connect(str(warehouse), read_only=True)
    registrations = []
    try:
        for schema, table in tables:
            if not _duck_columns(duck, schema, table):
                raise RuntimeError(f"{schema}.{table} is not in the working warehouse: load it first")
            # a new folder per load: the files Spark's views read are never half-written
            folder = extracts / schema / table
            fresh = folder.with_name(f".{table}.new")
            shutil.rmtree(fresh, ignore_errors=True)
            fresh.mkdir(parents=True)
            relation = f"{_q(schema)}.{_q(table)}"
            duck.execute(f"COPY (SELECT * FROM {relation}) TO '{fresh / 'data.parquet'}' (FORMAT parquet)")
            shutil.rmtree(folder, ignore_errors=True)
            fresh.rename(folder)
            rows[f"{schema}.{table}"] = duck.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
            registrations.append((schema, table, str(folder)))
    finally:
        duck.close()
    _spark_child("register", {"conf": spark_conf(root), "tables": registrations})
    return rows


def _spark_child(command: str, payload: dict) -> dict:
    """Run orchestration.lib.spark_session `command` in a child process (its own JVM), payload as JSON."""
    import json
    import subprocess
    import sys

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(payload, f)
    try:
        done = subprocess.run([sys.executable, "-m", "orchestration.lib.spark_session", command, f.name],
                              capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        # Spark's messages name tables and columns, never a row (nothing here selects a value)
        raise RuntimeError(f"Spark {command} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}


def spark_tables(schema: str, root: Path | None = None) -> list[str]:
    """The tables of a Spark schema (a folder per table under warehouse/<schema>.db/, as the session's
    Hive catalog lays out managed tables)."""
    base = (root or spark_dir()) / "warehouse" / f"{schema}.db"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                  and any(p.rglob("*.parquet")))


def spark_table_source(schema: str, table: str, root: Path | None = None) -> str | None:
    """A DuckDB table function over the Parquet files of a table Spark built (a partitioned table's partition
    column read from its folder names), for reading it without a Spark session; None when it has no files
    (a view, or a table not built)."""
    files = (root or spark_dir()) / "warehouse" / f"{schema}.db" / table
    if not files.is_dir() or not any(files.rglob("*.parquet")):
        return None
    return f"read_parquet('{files}/**/*.parquet', hive_partitioning = true)"


def spark_table_stats(schema: str, table: str, root: Path | None = None) -> tuple[int, list[tuple[str, str]]] | None:
    """Row count and (column, type) list of a table Spark built, from its Parquet files through an in-memory
    DuckDB (the types as DuckDB reads the files); None when it has no files."""
    import duckdb

    source = spark_table_source(schema, table, root)
    if source is None:
        return None
    con = duckdb.connect()
    try:
        columns = [(c[0], c[1]) for c in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        return con.execute(f"SELECT count(*) FROM {source}").fetchone()[0], columns
    finally:
        con.close()


def copy_from_spark(duck, schema: str, tables: list[str] | None = None, into_schema: str | None = None,
                    root: Path | None = None) -> dict[str, int]:
    """Copy the tables of a Spark schema (default: all) into a DuckDB connection, from their Parquet files:
    Spark's types carry over (decimal(p, s), int, bigint, double, string, date, boolean); a timestamp,
    stored as an instant, comes back as the local (Asia/Shanghai) time DuckDB's TIMESTAMP holds."""
    into_schema = into_schema or schema
    base = (root or spark_dir()) / "warehouse" / f"{schema}.db"
    tables = tables if tables is not None else spark_tables(schema, root)
    duck.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(into_schema)}")
    rows: dict[str, int] = {}
    for table in tables:
        files = base / table
        if not files.is_dir():
            raise RuntimeError(f"{schema}.{table} is not in Spark")
        source = f"read_parquet('{files}/**/*.parquet', hive_partitioning = false)"
        columns = duck.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        select = ", ".join(
            f"timezone('Asia/Shanghai', {_q(c[0])}) AS {_q(c[0])}" if c[1] == "TIMESTAMP WITH TIME ZONE" else _q(c[0])
            for c in columns)
        relation = f"{_q(into_schema)}.{_q(table)}"
        duck.execute(f"CREATE OR REPLACE TABLE {relation} AS SELECT {select} FROM {source}")
        rows[table] = duck.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    return rows


# --- Any engine ---------------------------------------------------------------------------------------------

def load_into_engine(warehouse: Path, tables=ENGINE_TABLES) -> dict[str, int]:
    """Copy tables of a DuckDB file (default: those dbt reads from the working warehouse) into the target
    engine (nothing to do on DuckDB)."""
    if target() == "postgres":
        return load_into_postgres(warehouse, tables)
    if target() == "spark":
        return load_into_spark(warehouse, tables)
    return {}


def copy_from_engine(duck, schema: str, tables: list[str] | None = None, into_schema: str | None = None,
                     scratch_near: Path | None = None) -> dict[str, int]:
    """copy_from_postgres or copy_from_spark, for the target engine."""
    if target() == "spark":
        return copy_from_spark(duck, schema, tables, into_schema)
    return copy_from_postgres(duck, schema, tables, into_schema, scratch_near)


def engine_row_counts(schema: str) -> dict[str, int]:
    if target() == "spark":
        import duckdb

        con = duckdb.connect()
        try:
            return copy_from_spark(con, schema)
        finally:
            con.close()
    return postgres_row_counts(schema)
