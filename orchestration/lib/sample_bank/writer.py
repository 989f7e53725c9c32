"""Writes each table to out_dir/<table>/<table>.<csv|parquet>, chunk after chunk."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DATA_SUFFIXES = (".csv", ".parquet")


def remove_data_files(folder: Path) -> None:
    """The csv/parquet files a previous run left in a table folder."""
    if folder.is_dir():
        for old in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in DATA_SUFFIXES):
            old.unlink()


class TableWriters:
    """One streaming writer per table, writing out_dir/<table>/<table><stem_suffix>.<fmt>. The main writer
    (clear_folder) removes the folder's earlier csv/parquet files on its first write; a second writer
    (a second file of the same delivery) writes beside them."""

    def __init__(self, out_dir: Path, fmt: str, stem_suffix: str = "", clear_folder: bool = True):
        self.out_dir, self.fmt = out_dir, fmt
        self.stem_suffix, self.clear_folder = stem_suffix, clear_folder
        self.writers: dict[str, object] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def write(self, table: str, data: pa.Table) -> None:
        writer = self.writers.get(table)
        if writer is None:
            folder = self.out_dir / table
            folder.mkdir(parents=True, exist_ok=True)
            if self.clear_folder:
                for old in list(folder.glob("*.csv")) + list(folder.glob("*.parquet")):
                    old.unlink()
            path = folder / f"{table}{self.stem_suffix}.{self.fmt}"
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
