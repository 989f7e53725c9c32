"""The same marts on every engine: one generated bank run through the whole pipeline on DuckDB, on
PostgreSQL (BRANCH_RETENTION_TARGET=postgres) and on Spark (BRANCH_RETENTION_TARGET=spark, dbt-spark in
session mode; skipped without a Java runtime), every mart compared row for row (tests/engine_compare.py:
money to the fen, ratios to 1e-9, lists in the same order, compatible types).

Small on purpose (300 customers, 6 months) so the suite stays within CI's time: about two minutes, most
of it the two pipeline runs. The test prints, and writes to engine_timings_<engine>.json in its temporary folder,
the time and peak memory (the resident memory of dbt's process tree: dbt, its adapter, Spark's JVM) of a full `dbt build` on each
engine for that bank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.lib import settings
from orchestration.lib.morning_page import page_data
from tests.engine_compare import compare_files

N_CUSTOMERS = 300
N_MONTHS = 6
SEED = 42
ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"


def _tree_rss_mib(root_pid: int) -> float:
    """Resident memory (MiB) of a process and all its descendants now (Linux /proc): dbt, its adapter and a
    JVM it started. Not wait4's ru_maxrss: that survives exec, so a child of the large test process reports
    the test process's own peak."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, grew = {root_pid}, True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    pages = 0
    for pid in tree:
        try:
            pages += int((Path("/proc") / str(pid) / "statm").read_text().split()[1])
        except OSError:
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed(args: list[str], env: dict, cwd: Path | None = None) -> tuple[float, int, str]:
    """Run a command; its wall time (s), the peak resident memory (MiB) of its process tree, sampled every
    0.2 s, and its output."""
    import tempfile
    import threading

    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = [0.0]

        def sample():
            while proc.poll() is None:
                peak[0] = max(peak[0], _tree_rss_mib(proc.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        elapsed = time.perf_counter() - started
        sampler.join()
        out.seek(0)
        text = out.read()
    assert proc.returncode == 0, text[-6000:]
    return elapsed, round(peak[0]), text


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    from orchestration.lib.generator import generate_bank

    root = tmp_path_factory.mktemp("engines")
    generate_bank(root / "landing", n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=SEED)
    return root


def _env(root: Path, name: str, target: str, extra: dict | None = None) -> dict:
    home = root / name / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        **(extra or {}),
        "BRANCH_RETENTION_TARGET": target,
        "BRANCH_RETENTION_LANDING": str(root / "landing"),
        "BRANCH_RETENTION_DUCKDB": str(root / name / "warehouse.duckdb"),
        "DAGSTER_HOME": str(home),
        "BRANCH_RETENTION_PUBLISH_DIR": str(root / name / "published"),
        "BRANCH_RETENTION_QUALITY_DIR": str(root / name / "quality"),
    }


def _run_pipeline(bank: Path, target: str, env: dict, timings: dict) -> None:
    """The whole pipeline on `target`, then the build alone from scratch on the same loaded data (timed)."""
    pipeline_s, _, out = _timed([sys.executable, "-m", "orchestration.cli", "run"], env)
    assert "Pipeline finished" in out
    # dbt's artifacts go to a folder of this run: the worker's target folder holds the manifest the Dagster
    # definitions of the later tests load, which a build for another engine must not replace
    build_s, peak_mib, _ = _timed([str(DBT), "build", "--full-refresh", "--profiles-dir", ".", "--target", target,
                                   "--target-path", str(bank / target / "dbt_target")], env, cwd=ROOT / "dbt_project")
    timings[target] = {"pipeline_s": round(pipeline_s, 1), "dbt_build_s": round(build_s, 1),
                       "peak_rss_mib": peak_mib}


@pytest.fixture(scope="module")
def duckdb_run(bank):
    """DuckDB's run of the bank, once for every engine compared with it; its timings."""
    timings: dict = {}
    _run_pipeline(bank, "duckdb", _env(bank, "duckdb", "duckdb"), timings)
    return timings


def _same_values(a, b) -> bool:
    """Equal JSON values, numbers to 1e-9 relative (万元 amounts are divided floats)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_values(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _same_marts_as_duckdb(bank: Path, target: str, env_extra: dict, copy_marts, timings: dict) -> None:
    """Run the whole pipeline on `target`, then check what it built against DuckDB's run of the same bank:
    every mart the project builds on that engine, row for row; what BI tools read (the published serving
    file), the same; the morning pages, the same numbers; and nothing built in the DuckDB working file,
    whose marts live in the engine only.
    copy_marts(con) copies the engine's marts into a DuckDB connection and returns {mart: rows}."""
    runs = {"duckdb": _env(bank, "duckdb", "duckdb"), target: _env(bank, target, target, env_extra)}
    _run_pipeline(bank, target, runs[target], timings)

    # the engine's marts, read back into DuckDB with their types, against DuckDB's own
    engine_copy = bank / target / f"marts_from_{target}.duckdb"
    con = duckdb.connect(str(engine_copy))
    try:
        copied = copy_marts(con)
    finally:
        con.close()
    marts = {p.stem for p in (Path(settings.DBT_PROJECT_DIR) / "models" / "marts").rglob("*.sql")}
    assert set(copied) == marts, sorted(set(copied) ^ marts)  # every mart the project defines, no other
    assert sum(copied.values()) > 0
    assert compare_files(str(bank / "duckdb" / "warehouse.duckdb"), str(engine_copy)) == []

    # what BI tools read is the same too: the published marts, and the publication's list of them with their
    # row counts (its ids and times aside)
    published = [bank / name / "published" / "serving" / "marts.duckdb" for name in runs]
    assert published[1].exists(), f"the {target} run published nothing"
    assert compare_files(*map(str, published), schema="main", skip=("_publication",)) == []
    listed, comments = [], []
    for file in published:
        pub = duckdb.connect(str(file), read_only=True)
        try:
            listed.append(pub.execute("SELECT mart, row_count FROM _publication ORDER BY mart").fetchall())
            # the dbt descriptions travel with the marts on every engine (table and column comments)
            comments.append(pub.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT "
                                        "internal AND schema_name = 'main' AND table_name <> '_publication' "
                                        "ORDER BY ALL").fetchall())
        finally:
            pub.close()
    assert listed[0] == listed[1]
    assert all(c[2] for c in comments[0]), "a published column has no description"
    assert comments[0] == comments[1]
    assert {mart for mart, _ in listed[1]} == marts

    # the morning pages staff read show the same numbers: every branch page's data block equals DuckDB's
    pages = [bank / name / "published" / "pages" / "current" for name in runs]
    # (quality/ is the data quality report, which has no data block)
    branch_pages = sorted(p.relative_to(pages[0]) for p in pages[0].glob("*/index.html") if p.parent.name != "quality")
    assert branch_pages and branch_pages == sorted(p.relative_to(pages[1]) for p in pages[1].glob("*/index.html")
                                                   if p.parent.name != "quality")
    for page in branch_pages:
        data = [page_data((root / page).read_text(encoding="utf-8")) for root in pages]
        assert _same_values(*data), f"{page}: the {target} page shows other numbers than DuckDB's"

    wh = duckdb.connect(str(bank / target / "warehouse.duckdb"), read_only=True)
    try:
        assert wh.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchone()[0] == 0
    finally:
        wh.close()

    (bank / f"engine_timings_{target}.json").write_text(json.dumps(timings, indent=1))
    print(f"\nengine timings, {N_CUSTOMERS} customers x {N_MONTHS} months: {json.dumps(timings)}")


def test_postgres_builds_every_mart_equal_to_duckdb(bank, duckdb_run, postgres_server, monkeypatch):
    from orchestration.lib import engine

    def copy_marts(con):
        with monkeypatch.context() as env:  # the copy reads the server's address from the environment
            for key, value in postgres_server.items():
                env.setenv(key, value)
            return engine.copy_from_postgres(con, "marts")

    _same_marts_as_duckdb(bank, "postgres", postgres_server, copy_marts, dict(duckdb_run))


@pytest.fixture(scope="module")
def spark_dir(bank):
    """A Spark folder of its own (warehouse, Derby metastore, extracts); skipped without Java or pyspark."""
    import shutil

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (dbt-spark's session mode needs a JRE 17+)")
    pytest.importorskip("pyspark")
    return bank / "spark" / "engine"


def test_spark_builds_every_mart_equal_to_duckdb(bank, duckdb_run, spark_dir):
    from orchestration.lib import engine

    _same_marts_as_duckdb(bank, "spark", {engine.SPARK_DIR_ENV: str(spark_dir)},
                          lambda con: engine.copy_from_spark(con, "marts", root=spark_dir), dict(duckdb_run))


def test_a_failed_copy_into_postgres_names_the_table_not_the_row(tmp_path, postgres_server, monkeypatch):
    """PostgreSQL's COPY errors quote the offending value; the project's message does not (personal data)."""
    from orchestration.lib import engine

    for key, value in postgres_server.items():
        monkeypatch.setenv(key, value)
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA raw")
    # a NUL character: DuckDB keeps it, PostgreSQL text cannot hold it
    con.execute("CREATE TABLE raw.customers AS SELECT 'C1' AS customer_id, '张三' || chr(0) || '秘密' AS customer_name")
    con.close()
    with pytest.raises(RuntimeError) as failed:
        engine.load_into_postgres(warehouse, tables=[("raw", "customers")])
    message = str(failed.value)
    assert "raw.customers" in message and "秘密" not in message and "张三" not in message
    assert failed.value.__cause__ is None and failed.value.__suppress_context__


@pytest.mark.unit
def test_an_unknown_target_is_refused(monkeypatch):
    from orchestration.lib import engine

    monkeypatch.setenv(engine.TARGET_ENV, "oracle")
    with pytest.raises(ValueError, match="duckdb, postgres, spark"):
        engine.target()
    monkeypatch.delenv(engine.TARGET_ENV)
    assert engine.target() == "duckdb"
