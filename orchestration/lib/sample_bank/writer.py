"""Writes each table to out_dir/<table>/<table>.<csv|parquet>, chunk after chunk."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


class TableWriters:
    """One streaming writer per table; the folder's earlier csv/parquet files are removed on first write."""

    def __init__(self, out_dir: Path, fmt: str):
        self.out_dir, self.fmt = out_dir, fmt
        self.writers: dict[str, object] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def write(self, table: str, data: pa.Table) -> None:
        writer = self.writers.get(table)
        if writer is None:
            folder = self.out_dir / table
            folder.mkdir(parents=True, exist_ok=True)
            for old in list(folder.glob("*.csv")) + list(folder.glob("*.parquet")):
                old.unlink()
            path = folder / f"{table}.{self.fmt}"
            if self.fmt == "csv":
                writer = pacsv.CSVWriter(str(path), data.schema,
                                         write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
            else:
                writer = pq.ParquetWriter(str(path), data.schema, compression="zstd")
            self.writers[table], self.rows[table], self.paths[table] = writer, 0, path
        if data.num_rows:
            writer.write_table(data)
        self.rows[table] += data.num_rows

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
