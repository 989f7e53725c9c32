"""Publishing for BI on a warehouse made by hand: a killed publish's leftovers go at the next publish."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.lib.publish import publish_marts


def _warehouse(path):
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_customers AS SELECT 'C1' AS customer_id, 138 AS n")
    con.close()
    return path


@pytest.mark.unit
def test_a_killed_publish_leaves_nothing_after_the_next_one(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb")
    published = tmp_path / "published"
    first = publish_marts(warehouse, published)
    # what a publish killed half-way leaves: its temp serving file and WAL, a partial Parquet folder, a link
    serving, parquet = published / "serving", published / "parquet"
    (serving / ".marts.20261206T010101000000Z.duckdb.tmp").write_bytes(b"half")
    (serving / ".marts.20261206T010101000000Z.duckdb.tmp.wal").write_bytes(b"half")
    (parquet / ".20261206T010101000000Z.partial").mkdir()
    (parquet / ".20261206T010101000000Z.partial" / "dim_customers.parquet").write_bytes(b"half")
    (parquet / ".current.20261206T010101000000Z").symlink_to("nowhere")
    # BI still reads the last complete publication meanwhile
    assert (parquet / "current").resolve().name == first.publication_id

    second = publish_marts(warehouse, published)
    assert sorted(p.name for p in serving.iterdir()) == ["marts.duckdb"]
    assert not [p for p in parquet.iterdir() if p.name.startswith(".")]
    assert (parquet / "current").resolve().name == second.publication_id
    con = duckdb.connect(str(serving / "marts.duckdb"), read_only=True)
    assert con.execute("SELECT publication_id FROM _publication").fetchone()[0] == second.publication_id
    con.close()


@pytest.mark.unit
def test_the_published_file_and_parquet_carry_the_comments(tmp_path):
    """dbt's persist_docs comments reach BI: in the serving DuckDB file and in the Parquet key-value metadata."""
    import json

    import pyarrow.parquet as pq

    warehouse = _warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("COMMENT ON TABLE marts.dim_customers IS 'One row per customer.'")
    con.execute("COMMENT ON COLUMN marts.dim_customers.customer_id IS 'The customer''s id.'")
    con.close()
    publication = publish_marts(warehouse, tmp_path / "published")
    served = duckdb.connect(str(publication.serving_file), read_only=True)
    assert served.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'dim_customers'").fetchone()[0] == \
        "One row per customer."
    assert dict(served.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'dim_customers'").fetchall()) == {
        "customer_id": "The customer's id.", "n": None}
    served.close()
    meta = pq.read_metadata(publication.parquet_dir / "dim_customers.parquet").metadata
    assert meta[b"description"].decode() == "One row per customer."
    assert json.loads(meta[b"column_descriptions"].decode()) == {"customer_id": "The customer's id."}
    dictionary = (publication.parquet_dir / "data_dictionary.md").read_text(encoding="utf-8")
    assert "## dim_customers" in dictionary and "| customer_id | VARCHAR | The customer's id. |" in dictionary
