"""Load the raw extracts from the landing folder into the warehouse's `raw` schema.

Every row that arrives ends in exactly one place: the typed table `raw.<table>` when it keeps the
contract, or `raw.quarantine` with the reason when it does not (bad type, missing key, unknown code,
non-positive amount, duplicate key, orphan foreign key, currency without a rate). Rows in = rows
accepted + rows quarantined, per table, and loading the same files twice gives the same tables.

A file that cannot be read, or lacks a required column, stops the load with an error naming the file
and the column. Error messages never quote row content: rows carry personal data.
"""

from __future__ import annotations

import codecs
import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.contract import (
    BASE_CURRENCY,
    DATE,
    DECIMAL,
    INTEGER,
    MAY_BE_EMPTY,
    MONEY,
    SQL_TYPES,
    TABLES,
    TIMESTAMP,
    Table,
)

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
QUARANTINE_TABLE = f"{RAW_SCHEMA}.quarantine"
AUDIT_TABLE = f"{RAW_SCHEMA}.load_audit"
# Tables a user may already hold in the warehouse instead of files (DOMAIN section 9).
LANDING_SCHEMA = "landing"
FILE_SUFFIXES = (".csv", ".parquet", ".pq")


class IngestionError(Exception):
    """The extract cannot be loaded at all (unreadable file, missing column, missing table)."""


@dataclass
class LoadResult:
    table: str
    files: list[str]
    rows_in: int
    rows_accepted: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.rows_accepted + self.rows_quarantined


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def table_files(landing: Path, table: str) -> list[Path]:
    folder = landing / table
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES)


def _is_utf8(path: Path, chunk_size: int = 1 << 24) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _utf8_copy(path: Path, workdir: Path) -> Path:
    """A UTF-8 copy of a CSV in the Chinese national encoding (GB18030, a superset of GBK/GB2312).

    The contract asks for UTF-8, but Windows tools in Chinese banks still write GBK; failing on them
    would help nobody. A file that is neither is unreadable.
    """
    target = workdir / (path.stem + ".utf8.csv")
    try:
        with path.open("r", encoding="gb18030", newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 22):
                dst.write(chunk)
    except UnicodeDecodeError as exc:
        raise IngestionError(f"{path}: not readable as UTF-8 or GBK/GB18030 text (byte offset {exc.start})") from None
    log.warning("%s: not UTF-8; read as GBK/GB18030", path.name)
    return target


def _safe_reason(exc: Exception) -> str:
    """A duckdb error without the row text it may quote (rows carry personal data)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.split(r"(?i)original line|line content|\bvalue\b", text)[0]
    line = re.search(r"(?i)line:?\s*(\d+)", str(exc))
    return text.strip().rstrip(":") + (f" (near line {line.group(1)})" if line and "line" not in text.lower() else "")


def _read_file(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> tuple[str, list[str]]:
    """A SQL expression reading the file with every column as text, and its normalised column names."""
    if path.stat().st_size == 0:
        raise IngestionError(f"{path}: file is empty (no header row)")
    if path.suffix.lower() == ".csv":
        readable = path if _is_utf8(path) else _utf8_copy(path, workdir)
        # Dialect fixed by the contract (comma, double quotes); every column read as text and typed later,
        # so one bad value quarantines one row instead of failing the file.
        relation = (
            f"read_csv({_literal(str(readable))}, header=true, all_varchar=true, delim=',', quote='\"', "
            f"escape='\"', strict_mode=true)"
        )
    else:
        relation = f"read_parquet({_literal(str(path))})"
    try:
        names = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    except duckdb.Error as exc:
        raise IngestionError(f"{path}: cannot be read: {_safe_reason(exc)}") from None
    return relation, names


def _normalise(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _file_select(spec: Table, relation: str, names: list[str], label: str, file_no: int) -> str:
    by_clean = {}
    for n in names:
        by_clean.setdefault(_normalise(n), n)
    missing = [c for c in spec.required_columns if c not in by_clean]
    if missing:
        raise IngestionError(f"{label}: missing required column(s) {', '.join(missing)} for table {spec.name}")
    cols = []
    for c in spec.columns:
        if c.name in by_clean:
            cols.append(f"NULLIF(TRIM(CAST({_quote(by_clean[c.name])} AS VARCHAR)), '') AS {_quote(c.name)}")
        else:
            cols.append(f"CAST(NULL AS VARCHAR) AS {_quote(c.name)}")
    return (
        f"SELECT {file_no} AS _file_no, {_literal(label)} AS _source_file, "
        f"row_number() OVER () AS _source_row, {', '.join(cols)} FROM {relation}"
    )


def _typed_expr(col) -> str:
    """Text to the contract type; NULL where the text does not parse."""
    v = _quote(col.name)
    if col.type == DATE:
        return (
            f"COALESCE(TRY_CAST({v} AS DATE), TRY_CAST(TRY_STRPTIME({v}, '%Y/%m/%d') AS DATE), "
            f"TRY_CAST(TRY_STRPTIME({v}, '%Y%m%d') AS DATE))"
        )
    if col.type == TIMESTAMP:
        return (
            f"COALESCE(TRY_CAST({v} AS TIMESTAMP), TRY_STRPTIME({v}, '%Y/%m/%d %H:%M:%S'), "
            f"TRY_STRPTIME({v}, '%Y/%m/%d %H:%M'))"
        )
    if col.type in (MONEY, DECIMAL):
        # Thousands separators are common in bank exports: 1,234.50.
        return f"TRY_CAST(REPLACE({v}, ',', '') AS {SQL_TYPES[col.type]})"
    if col.type == INTEGER:
        return f"TRY_CAST({v} AS BIGINT)"
    if col.codes is not None:
        return f"LOWER({v})"
    if col.name == "currency":
        return f"UPPER({v})"
    return v


def _reason_exprs(spec: Table, accepted_keys: dict[str, str]) -> list[str]:
    """SQL expressions over the typed row, each NULL or a reason text."""
    reasons = []
    for col in spec.columns:
        raw, typed = _quote(col.name), _quote("t_" + col.name)
        if not col.nullable or col.name in spec.primary_key:
            reasons.append(f"CASE WHEN {raw} IS NULL THEN 'missing {col.name}' END")
        if col.type in (DATE, TIMESTAMP, MONEY, DECIMAL, INTEGER):
            reasons.append(f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN 'bad {col.type} in {col.name}' END")
        if col.codes is not None:
            codes = ", ".join(_literal(c) for c in col.codes)
            reasons.append(f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN ({codes}) THEN 'unknown {col.name} code' END")
        if col.positive:
            reasons.append(f"CASE WHEN {typed} IS NOT NULL AND {typed} <= 0 THEN 'non-positive {col.name}' END")
        if col.references and col.references.split(".")[0] != spec.name:
            parent = accepted_keys[col.references]
            reasons.append(
                f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN (SELECT k FROM {parent}) "
                f"THEN 'orphan {col.name}: no accepted {col.references.split('.')[0]} row' END"
            )
    if spec.name == "accounts":
        reasons.append(
            f"CASE WHEN {_quote('t_currency')} IS NOT NULL AND {_quote('t_currency')} <> '{BASE_CURRENCY}' "
            f"AND {_quote('t_currency')} NOT IN (SELECT currency FROM {RAW_SCHEMA}.fx_rates) "
            f"THEN 'currency ' || {_quote('t_currency')} || ' has no rate in fx_rates' END"
        )
    return reasons


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (table_name VARCHAR, source_file VARCHAR, "
        "source_row BIGINT, reason VARCHAR, record JSON)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (table_name VARCHAR PRIMARY KEY, files VARCHAR, "
        "rows_in BIGINT, rows_accepted BIGINT, rows_quarantined BIGINT)"
    )


def _create_empty(con, spec: Table) -> None:
    cols = ", ".join(f"{_quote(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns)
    con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{spec.name} ({cols})")


def _landing_table_exists(con, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [LANDING_SCHEMA, table],
        ).fetchone()[0]
    )


def load_table(con: duckdb.DuckDBPyConnection, table: str, landing: Path) -> LoadResult:
    """Load one raw table. Its parent tables (foreign keys) must be loaded first."""
    spec = TABLES[table]
    ensure_schema(con)
    files = table_files(landing, table)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="branch-retention-") as tmp:
        selects = []
        labels = []
        for i, path in enumerate(files):
            label = str(path.relative_to(landing))
            relation, names = _read_file(con, path, Path(tmp))
            extra = sorted(set(map(_normalise, names)) - set(spec.column_names))
            if extra:
                warnings.append(f"{label}: extra column(s) ignored: {', '.join(extra)}")
            absent = [c for c in spec.column_names if c not in set(map(_normalise, names))]
            if absent:
                warnings.append(f"{label}: optional column(s) absent, loaded as empty: {', '.join(absent)}")
            selects.append(_file_select(spec, relation, names, label, i))
            labels.append(label)
        if not selects and _landing_table_exists(con, table):
            label = f"{LANDING_SCHEMA}.{table}"
            relation = f"{LANDING_SCHEMA}.{_quote(table)}"
            names = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
            selects.append(_file_select(spec, relation, names, label, 0))
            labels.append(label)
        if not selects:
            if table in MAY_BE_EMPTY or spec.optional:
                warnings.append(f"no files for {table} in {landing / table}: loaded as an empty table")
                con.execute("BEGIN")
                _create_empty(con, spec)
                _write_audit(con, table, labels, 0, 0, 0)
                con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table])
                con.execute("COMMIT")
                for w in warnings:
                    log.warning(w)
                return LoadResult(table, labels, 0, 0, 0, {}, warnings)
            raise IngestionError(f"no files for required table {table}: expected CSV or Parquet in {landing / table}")
        try:
            result = _load_selects(con, spec, selects, labels)
        except duckdb.Error as exc:
            raise IngestionError(f"{table}: cannot be read: {_safe_reason(exc)}") from None
    result.warnings = warnings
    for w in warnings:
        log.warning(w)
    return result


def _load_selects(con, spec: Table, selects: list[str], labels: list[str]) -> LoadResult:
    table = spec.name
    con.execute("BEGIN")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS {' UNION ALL '.join(selects)}")
        rows_in = con.execute("SELECT count(*) FROM _incoming").fetchone()[0]

        accepted_keys = {}
        for col in spec.columns:
            if col.references and col.references.split(".")[0] != table:
                parent, key = col.references.split(".")
                accepted_keys[col.references] = f"(SELECT {_quote(key)} AS k FROM {RAW_SCHEMA}.{_quote(parent)})"
        typed = ", ".join(f"{_typed_expr(c)} AS {_quote('t_' + c.name)}" for c in spec.columns)
        reasons = ", ".join(_reason_exprs(spec, accepted_keys))
        pk = ", ".join(_quote("t_" + k) for k in spec.primary_key)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _checked AS
            WITH typed AS (SELECT *, {typed} FROM _incoming),
            reasoned AS (SELECT *, NULLIF(concat_ws('; ', {reasons}), '') AS _row_reason FROM typed),
            ranked AS (
                SELECT *, CASE WHEN _row_reason IS NULL THEN row_number() OVER (
                    PARTITION BY {pk}, _row_reason IS NULL ORDER BY _file_no, _source_row) END AS _key_rank
                FROM reasoned
            )
            SELECT *, COALESCE(_row_reason, CASE WHEN _key_rank > 1
                THEN 'duplicate {'/'.join(spec.primary_key)} (first occurrence kept)' END) AS _reason
            FROM ranked
            """
        )
        out_cols = ", ".join(f"{_quote('t_' + c.name)} AS {_quote(c.name)}" for c in spec.columns)
        casts = ", ".join(f"CAST({_quote(c.name)} AS {SQL_TYPES[c.type]}) AS {_quote(c.name)}" for c in spec.columns)
        con.execute(
            f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{_quote(table)} AS SELECT {casts} FROM ("
            f"SELECT {out_cols} FROM _checked WHERE _reason IS NULL ORDER BY _file_no, _source_row)"
        )
        con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table])
        record = ", ".join(f"{_quote(c.name)} := {_quote(c.name)}" for c in spec.columns)
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT {_literal(table)}, _source_file, _source_row, _reason, "
            f"to_json(struct_pack({record})) FROM _checked WHERE _reason IS NOT NULL ORDER BY _file_no, _source_row"
        )
        accepted = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(table)}").fetchone()[0]
        reasons_count = dict(
            con.execute(
                f"SELECT reason, count(*) FROM {QUARANTINE_TABLE} WHERE table_name = ? GROUP BY reason ORDER BY 2 DESC, 1",
                [table],
            ).fetchall()
        )
        quarantined = sum(reasons_count.values())
        if rows_in != accepted + quarantined:
            raise IngestionError(
                f"{table}: reconciliation failed: {rows_in} rows in, {accepted} accepted, {quarantined} quarantined"
            )
        _write_audit(con, table, labels, rows_in, accepted, quarantined)
        con.execute("DROP TABLE _incoming")
        con.execute("DROP TABLE _checked")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return LoadResult(table, labels, rows_in, accepted, quarantined, reasons_count)


def _write_audit(con, table, labels, rows_in, accepted, quarantined) -> None:
    con.execute(f"DELETE FROM {AUDIT_TABLE} WHERE table_name = ?", [table])
    con.execute(
        f"INSERT INTO {AUDIT_TABLE} VALUES (?, ?, ?, ?, ?)", [table, ", ".join(labels), rows_in, accepted, quarantined]
    )


def load_all(con: duckdb.DuckDBPyConnection, landing: Path) -> dict[str, LoadResult]:
    from orchestration.lib.contract import LOAD_ORDER

    return {t: load_table(con, t, landing) for t in LOAD_ORDER}
