"""Publish the marts for BI tools, atomically, away from the working warehouse.

DuckDB allows one writer or many readers of a file, never both, and files written by DuckDB 2.x cannot
be opened by 1.x clients (which many BI drivers still bundle). So BI tools never read the working
warehouse. After a successful build the marts are copied out:
- `serving/marts.duckdb`: one table per mart, written in the storage format DuckDB 1.0+ reads, to a
  temporary file that then replaces the old one by an atomic rename. A reader holding the old file open
  keeps reading the old, complete set; the next connection sees the new, complete set. (A DuckDB 2.x
  client opens the path three times while it connects, reading the headers on the second open only: a
  connect at the very instant of the rename may fail with an IO Error; connecting again sees the new set.)
- `parquet/current/<mart>.parquet`: each publication is written to its own folder, then the `current`
  link is switched to it atomically; older publications are pruned, keeping a few.
Both carry `_publication` (one row per mart: rows, publication id, time), so a reader can check that
what it read belongs together. A publication in the making is written under names that start with a dot
(`.marts.<id>.duckdb.tmp`, `parquet/.<id>.partial/`); a publish that was killed leaves only such names,
and the next publish removes them before it starts.

The morning pages (orchestration/lib/morning_page.py) are published beside them the same way: rendered from
the warehouse before the marts are copied (`pages/.<id>.partial/`, in a process of its own), then
`pages/current` is switched to `pages/<id>` right after the marts. A render that fails stops the publish
before anything is switched, so yesterday's pages and marts stay.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.lib import settings

MARTS_SCHEMA = "marts"
# DuckDB 1.0 and later read this storage format; 2.x writes a newer one by default.
SERVING_STORAGE_VERSION = "v1.0.0"
KEEP_PUBLICATIONS = 3


@dataclass
class Publication:
    publication_id: str
    serving_file: Path
    parquet_dir: Path
    rows: dict[str, int]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment_from_manifest(con) -> None:
    """Give the marts copied from PostgreSQL or Spark (into the DuckDB file `con` is open on) the dbt descriptions
    as table and column comments (a copy carries none), from the manifest of the build (DBT_TARGET_PATH, else
    dbt_project/target), as persist_docs writes them on DuckDB."""
    manifest_file = settings.DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target") / "manifest.json"
    if not manifest_file.exists():
        return
    nodes = json.loads(manifest_file.read_text()).get("nodes", {})
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                         "AND schema_name = ?",
                                         [MARTS_SCHEMA]).fetchall()}
    for node in nodes.values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS_SCHEMA or node["alias"] not in present:
            continue
        relation = f"{MARTS_SCHEMA}.{_q(node['alias'])}"
        if node.get("description"):
            con.execute(f"COMMENT ON TABLE {relation} IS {_lit(node['description'])}")
        columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                                             "AND schema_name = ? "
                                             "AND table_name = ?", [MARTS_SCHEMA, node["alias"]]).fetchall()}
        for name, column in node.get("columns", {}).items():
            if name in columns and column.get("description"):
                con.execute(f"COMMENT ON COLUMN {relation}.{_q(name)} IS {_lit(column['description'])}")


def _comments(con, mart: str) -> tuple[str | None, dict[str, str]]:
    """The mart's table and column comments in the working warehouse (dbt persist_docs writes them)."""
    row = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = 'wh' AND schema_name = ? AND table_name = ?",
        [MARTS_SCHEMA, mart],
    ).fetchone()
    columns = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = 'wh' AND schema_name = ? "
        "AND table_name = ? AND comment IS NOT NULL ORDER BY column_index",
        [MARTS_SCHEMA, mart],
    ).fetchall()
    return (row[0].strip() if row and row[0] else None), {c: t.strip() for c, t in columns if t and t.strip()}


def _dictionary_section(con, mart: str, table_comment: str | None, column_comments: dict[str, str]) -> str:
    """One mart's section of the data dictionary (Markdown): its description, then column, type, description."""
    types = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'serving' "
        "AND table_name = ? ORDER BY ordinal_position",
        [mart],
    ).fetchall()
    lines = [f"## {mart}", "", (table_comment or "").replace("\n", " "), "", "| column | type | description |",
             "|---|---|---|"]
    for column, data_type in types:
        text = column_comments.get(column, "").replace("\n", " ").replace("|", "\\|")
        lines.append(f"| {column} | {data_type} | {text} |")
    return "\n".join(lines) + "\n"


def publish_marts(warehouse: Path, publish_dir: Path, publication_id: str | None = None) -> Publication:
    """Copy every table of the marts schema of a DuckDB file (the working warehouse, or the copy publish_all
    makes of another engine's marts) to the serving file and Parquet."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    publication_id = publication_id or stamp.strftime("%Y%m%dT%H%M%S%fZ")
    serving_dir = publish_dir / "serving"
    parquet_root = publish_dir / "parquet"
    serving_dir.mkdir(exist_ok=True)
    parquet_root.mkdir(exist_ok=True)
    serving_file = serving_dir / "marts.duckdb"
    remove_leftovers(serving_dir, parquet_root)
    tmp_file = serving_dir / f".marts.{publication_id}.duckdb.tmp"
    version_dir = parquet_root / f".{publication_id}.partial"
    version_dir.mkdir()

    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        con.execute("USE wh")
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'wh' AND table_schema = ? "
                "AND table_type = 'BASE TABLE' ORDER BY table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not marts:
            raise RuntimeError(f"nothing to publish: no tables in schema {MARTS_SCHEMA} of {warehouse}")
        con.execute(f"ATTACH '{tmp_file}' AS serving (STORAGE_VERSION '{SERVING_STORAGE_VERSION}')")
        rows = {}
        dictionary = ["# Data dictionary: the published marts", "",
                      f"Publication {publication_id}. Generated from the dbt descriptions (table and column comments).", ""]
        for mart in marts:
            source = f"wh.{MARTS_SCHEMA}.{_q(mart)}"
            # Types a DuckDB 1.0 reader and every Parquet reader know: HUGEINT counts become BIGINT.
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'wh' "
                "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [MARTS_SCHEMA, mart],
            ).fetchall()
            select = ", ".join(
                f"CAST({_q(c)} AS BIGINT) AS {_q(c)}" if t in ("HUGEINT", "INT128") else _q(c) for c, t in columns
            )
            con.execute(f"CREATE TABLE serving.{_q(mart)} AS SELECT {select} FROM {source}")
            table_comment, column_comments = _comments(con, mart)
            if table_comment:
                con.execute(f"COMMENT ON TABLE serving.{_q(mart)} IS {_lit(table_comment)}")
            for column, comment in column_comments.items():
                con.execute(f"COMMENT ON COLUMN serving.{_q(mart)}.{_q(column)} IS {_lit(comment)}")
            # The descriptions travel into Parquet as key-value metadata: the table's under `description`,
            # the columns' as one JSON object {column: description} under `column_descriptions`.
            kv = {"description": table_comment or "", "column_descriptions": json.dumps(column_comments, ensure_ascii=False)}
            kv_sql = ", ".join(f"{k}: {_lit(v)}" for k, v in kv.items())
            con.execute(
                f"COPY (SELECT * FROM serving.{_q(mart)}) TO '{version_dir / (mart + '.parquet')}' "
                f"(FORMAT parquet, KV_METADATA {{{kv_sql}}})"
            )
            rows[mart] = con.execute(f"SELECT count(*) FROM serving.{_q(mart)}").fetchone()[0]
            dictionary.append(_dictionary_section(con, mart, table_comment, column_comments))
        con.execute(
            "CREATE TABLE serving._publication (mart VARCHAR, row_count BIGINT, publication_id VARCHAR, "
            "published_at TIMESTAMP)"
        )
        for mart, n in rows.items():
            con.execute(
                "INSERT INTO serving._publication VALUES (?, ?, ?, ?)",
                [mart, n, publication_id, stamp.replace(tzinfo=None)],
            )
        con.execute(
            f"COPY (SELECT * FROM serving._publication) TO '{version_dir / '_publication.parquet'}' (FORMAT parquet)"
        )
        con.execute("DETACH serving")
        (version_dir / "data_dictionary.md").write_text("\n".join(dictionary), encoding="utf-8")
    except Exception:
        con.close()
        tmp_file.unlink(missing_ok=True)
        shutil.rmtree(version_dir, ignore_errors=True)
        raise
    con.close()

    # The switch: each is one rename, so a reader sees the old set or the new one, never a mix.
    complete_dir = parquet_root / publication_id
    os.replace(version_dir, complete_dir)
    os.replace(tmp_file, serving_file)
    link_tmp = parquet_root / f".current.{publication_id}"
    link_tmp.symlink_to(complete_dir.name, target_is_directory=True)
    os.replace(link_tmp, parquet_root / "current")
    _prune(parquet_root, keep=KEEP_PUBLICATIONS)
    return Publication(publication_id, serving_file, parquet_root / "current", rows)


def remove_leftovers(serving_dir: Path, parquet_root: Path) -> list[Path]:
    """Remove what a killed publish left: its temporary serving file (and DuckDB's .wal beside it), its
    partial Parquet folder and its half-made `current` link. Returns what was removed."""
    leftovers = [*serving_dir.glob(".marts.*.duckdb.tmp*"), *parquet_root.glob(".*.partial"),
                 *parquet_root.glob(".current.*")]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return leftovers


def _prune(parquet_root: Path, keep: int) -> None:
    current = (parquet_root / "current").resolve().name
    versions = sorted(p for p in parquet_root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    for old in versions[:-keep]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


PAGES_DIR = "pages"


def render_pages(warehouse: Path, publish_dir: Path, publication_id: str, timeout: int = 600) -> Path:
    """Write the morning pages of the warehouse to pages/.<id>.partial/ (not yet visible); returns that folder.

    MetricFlow sets up dbt's adapter and the root logger of the process it runs in, so it runs in a child
    process; its output is not echoed (it holds masked names only, but a log is no place for them)."""
    pages_root = publish_dir / PAGES_DIR
    pages_root.mkdir(parents=True, exist_ok=True)
    remove_page_leftovers(pages_root)
    partial = pages_root / f".{publication_id}.partial"
    # the pages read a DuckDB file whatever engine built the marts: MetricFlow opens the DuckDB profile on it
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(warehouse), "BRANCH_RETENTION_TARGET": "duckdb"}
    done = subprocess.run([sys.executable, "-m", "orchestration.lib.morning_page", "--out", str(partial)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        # The exception's own line (MetricFlow prints more after it); never row content, only the error's text.
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]
        reason = (errors or lines or ["no error output"])[-1]
        raise RuntimeError(f"the morning pages could not be rendered (exit {done.returncode}): {reason[:500]}")
    return partial


def switch_pages(publish_dir: Path, partial: Path, publication_id: str) -> Path:
    """Make the rendered pages the current ones: one rename, then one atomic switch of pages/current."""
    pages_root = publish_dir / PAGES_DIR
    complete = pages_root / publication_id
    os.replace(partial, complete)
    link_tmp = pages_root / f".current.{publication_id}"
    link_tmp.symlink_to(complete.name, target_is_directory=True)
    os.replace(link_tmp, pages_root / "current")
    _prune(pages_root, keep=KEEP_PUBLICATIONS)
    return pages_root / "current"


def remove_page_leftovers(pages_root: Path) -> list[Path]:
    leftovers = [*pages_root.glob(".*.partial"), *pages_root.glob(".current.*")]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return leftovers


@dataclass
class FullPublication:
    """What one publish made current: the marts (serving file, Parquet), the morning pages, and the
    quality report (orchestration/lib/quality_report.py) when a quality folder was given."""

    marts: Publication
    pages_dir: Path | None
    quality_report: Path | None = None


QUALITY_PAGE = Path("quality") / "index.html"


def publish_all(warehouse: Path, publish_dir: Path, publication_id: str | None = None,
                on_duckdb: bool = True, quality_dir: Path | None = None) -> FullPublication:
    """The marts and the morning pages of the warehouse as they are now, for BI: the pages are rendered first
    (a render that fails stops here, before anything is switched), then the marts are copied and switched,
    then the pages right after. With quality_dir, the quality report of its results is written into the pages
    (pages/current/quality/index.html, switched with them) and to <quality dir>/report/index.html. On
    PostgreSQL and Spark (on_duckdb False) the engine's marts are copied once into a scratch DuckDB file that
    the pages and the publication both read. Used
    by the Dagster asset after a build, and by `branch-retention publish` after a dbt-only rebuild."""
    publication_id = publication_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if on_duckdb:
        return _publish_file(warehouse, publish_dir, publication_id, quality_dir)
    from orchestration.lib import engine

    # the marts the engine built, copied once into a scratch DuckDB file beside the warehouse (removed
    # afterwards), with the dbt descriptions as comments; the pages and the publication both read it
    with engine.scratch_dir(warehouse.parent) as scratch:
        copy = scratch / "engine_marts.duckdb"  # its catalog is named after the file: not "marts", the schema
        con = duckdb.connect(str(copy))
        try:
            engine.copy_from_engine(con, MARTS_SCHEMA, scratch_near=scratch)
            _comment_from_manifest(con)
        finally:
            con.close()
        return _publish_file(copy, publish_dir, publication_id, quality_dir)


def _publish_file(warehouse: Path, publish_dir: Path, publication_id: str, quality_dir: Path | None) -> FullPublication:
    """publish_all for the marts of one DuckDB file."""
    from orchestration.lib.quality_report import write_report

    pages_partial = render_pages(warehouse, publish_dir, publication_id)
    if quality_dir is not None:
        write_report(quality_dir)
        write_report(quality_dir, pages_partial / QUALITY_PAGE)
    publication = publish_marts(warehouse, publish_dir, publication_id)
    pages = switch_pages(publish_dir, pages_partial, publication_id)
    report = pages / QUALITY_PAGE if quality_dir is not None else None
    return FullPublication(publication, pages, report)
