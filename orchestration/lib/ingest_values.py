"""How ingestion reads a value from text: the SQL that types each column and names what is wrong with it.

Every raw value arrives as text (a Parquet or warehouse column is cast to text first, see `source_text`) and is
read by an explicit format; a value that does not follow it is quarantined with a reason naming the rule,
never guessed or rounded.

Numbers (MONEY = DECIMAL(18,2), DECIMAL = DECIMAL(18,6)), with the table's decimal mark (a dot unless
landing/<table>/_format.json says "decimal": ","):
- accepted: an optional sign, digits, optionally a decimal mark and digits: `12.50`, `-1,234.50`, `+12.00`,
  `1234.5`, `.5` (0.5), `12.` (12); thousands separators (commas; dots under a decimal comma) only in
  complete groups of three after a first group of 1-3 digits that does not start with 0: `1,234`,
  `1,234,567.89`. Spaces around the value are trimmed.
- "ambiguous number format in <col>: a dot for decimals, thousands commas in groups of three" (or, under a
  decimal comma, "a comma for decimals, thousands dots in groups of three"): text of digits, dots and commas
  that is not that format, such as `1,2,3,4`, `12,5`, `1.234,50`, `7,8`, `0,0150`, `1.234.567`;
- "more decimals than <col> holds": more significant decimals than the column's scale (money 2: `12.345`,
  `0.001`; rates 6: `0.0000001`); trailing zeros are not significant (`12.3400` is 12.34);
- "number too large for <col>": more than 16 (money) or 12 (rates) integer digits;
- "bad money in <col>" / "bad decimal in <col>": anything else (`12元`, `1e3`, `(12.50)`, `abc`).
A Parquet number (DECIMAL, DOUBLE, ...) is written in the table's decimal mark before it is read; a
floating-point value carrying noise (`0.30000000000000004`) has more decimals than money holds.

Integers (INTEGER): an optional sign and digits (`12`, `12.0` and `12.00` as well); `12.5` is "bad integer".

Timestamps (TIMESTAMP), always stored as Asia/Shanghai local time:
- naive text is Shanghai local time: `2026-01-05 10:00:00`, `2026-01-05T10:00:00.5`, `2026-01-05 10:00`,
  `2026-01-05` (midnight), `2026/01/05 10:00:00`, `2026/01/05 10:00`;
- text with an offset after the time converts to Shanghai: `Z`, `UTC`, `+08:00`, `-05:00`, `+0800`, `+08`
  (`2026-01-05T02:00:00Z` is 2026-01-05 10:00:00); an offset beyond +-14:00 is a bad timestamp;
- a Parquet (or warehouse) TIMESTAMP WITH TIME ZONE converts to Shanghai; a naive Parquet TIMESTAMP is
  Shanghai local time.
The conversion uses the time-zone database (Shanghai kept summer time in 1986-1991) through explicit zones, so
the result depends neither on the machine's TZ nor on the connection's TimeZone setting.
"""

from __future__ import annotations

from orchestration.lib.contract import DATE, DECIMAL, INTEGER, MONEY, SQL_TYPES, TIMESTAMP, Column

BANK_TIME_ZONE = "Asia/Shanghai"
SCALES = {MONEY: 2, DECIMAL: 6}
PRECISION = 18
NUMERIC_SOURCE_TYPES = ("DECIMAL", "DOUBLE", "FLOAT", "REAL", "HUGEINT", "UHUGEINT", "BIGINT", "INTEGER",
                        "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")

_DIGITS_LIKE = r"[+-]?[0-9.,]*[0-9][0-9.,]*"
# The local part of a timestamp with an offset, then the offset: Z / UTC, or a sign, hours and optional minutes.
_WITH_OFFSET = (r"^([0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
                r" ?(?:([Zz]|UTC)|([+-])([0-9]{2}):?([0-9]{2})?)$")
# regexp_extract's result for text _WITH_OFFSET does not match.
_NO_OFFSET = "{'local': '', 'utc': '', 'sign': '', 'hh': '', 'mm': ''}"
_ISO = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
_SLASH_SECONDS = r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}:[0-9]{2}"
_SLASH_MINUTES = r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def number_pattern(decimal: str) -> str:
    """The accepted number format (a full-match regular expression) for a decimal mark."""
    sep, mark = (r",", r"\.") if decimal == "." else (r"\.", r",")
    return rf"[+-]?(([0-9]+|[1-9][0-9]{{0,2}}({sep}[0-9]{{3}})+)({mark}[0-9]*)?|{mark}[0-9]+)"


def ambiguous_reason(col: str, decimal: str) -> str:
    rule = ("a dot for decimals, thousands commas in groups of three" if decimal == "."
            else "a comma for decimals, thousands dots in groups of three")
    return f"ambiguous number format in {col}: {rule}"


def _normalised(v: str, decimal: str) -> str:
    """The number with a dot for decimals and no thousands separators."""
    return f"REPLACE({v}, ',', '')" if decimal == "." else f"REPLACE(REPLACE({v}, '.', ''), ',', '.')"


def helper_columns(col: Column, decimal: str) -> list[str]:
    """Columns computed once per row before typing (`_ok_<col>`, `_n_<col>`, `_d_<col>` for numbers,
    `_tz_<col>` for timestamps), read by `typed_expr` and `reason_exprs`."""
    v = _quote(col.name)
    if col.type in SCALES:
        n = _normalised(v, decimal)
        # _d: the significant decimals. It is read only where _ok holds (typed_expr, bad_value_reason): the
        # normalised number then has at most one dot, so its decimals are the digits after it (no regular
        # expression, which would cost more than reading the file).
        return [
            f"regexp_full_match({v}, {_literal(number_pattern(decimal))}) AS {_quote('_ok_' + col.name)}",
            f"{n} AS {_quote('_n_' + col.name)}",
            f"CASE WHEN strpos({n}, '.') > 0 THEN length(rtrim(substr({n}, strpos({n}, '.') + 1), '0')) ELSE 0 END "
            f"AS {_quote('_d_' + col.name)}",
        ]
    if col.type == TIMESTAMP:
        # _WITH_OFFSET can match only text ending in Z / UTC or holding a sign after its date part (at most 10
        # characters); other text (nearly every value) gets its no-match result without the costly extraction.
        may_have_offset = (f"(contains({v}, '+') OR contains(substr({v}, 11), '-') OR suffix({v}, 'Z') "
                           f"OR suffix({v}, 'z') OR suffix({v}, 'UTC'))")
        return [f"CASE WHEN {v} IS NULL THEN NULL WHEN {may_have_offset} THEN "
                f"regexp_extract({v}, {_literal(_WITH_OFFSET)}, ['local', 'utc', 'sign', 'hh', 'mm']) "
                f"ELSE {_NO_OFFSET} END AS {_quote('_tz_' + col.name)}"]
    return []


def _naive_timestamp(v: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({v}, {_literal(_ISO)}) THEN TRY_CAST(REPLACE({v}, 'T', ' ') AS TIMESTAMP) "
        f"WHEN regexp_full_match({v}, {_literal(_SLASH_SECONDS)}) THEN TRY_STRPTIME({v}, '%Y/%m/%d %H:%M:%S') "
        f"WHEN regexp_full_match({v}, {_literal(_SLASH_MINUTES)}) THEN TRY_STRPTIME({v}, '%Y/%m/%d %H:%M') END"
    )


def typed_expr(col: Column) -> str:
    """Text to the contract type; NULL where the text does not follow the format (reason_exprs says why)."""
    v = _quote(col.name)
    if col.type == DATE:
        return (
            f"COALESCE(TRY_CAST({v} AS DATE), TRY_CAST(TRY_STRPTIME({v}, '%Y/%m/%d') AS DATE), "
            f"TRY_CAST(TRY_STRPTIME({v}, '%Y%m%d') AS DATE))"
        )
    if col.type == TIMESTAMP:
        tz = _quote("_tz_" + col.name)
        local = _naive_timestamp(f"{tz}.local")
        minutes = (f"(CASE {tz}.sign WHEN '-' THEN -1 ELSE 1 END) * (CAST({tz}.hh AS INTEGER) * 60 "
                   f"+ CAST(COALESCE(NULLIF({tz}.mm, ''), '0') AS INTEGER))")
        valid_offset = f"(CAST({tz}.hh AS INTEGER) <= 14 AND CAST(COALESCE(NULLIF({tz}.mm, ''), '0') AS INTEGER) < 60)"
        return (
            f"CASE WHEN {v} IS NULL THEN NULL "
            f"WHEN {tz}.local = '' THEN {_naive_timestamp(v)} "
            f"WHEN {tz}.utc <> '' THEN timezone('{BANK_TIME_ZONE}', timezone('UTC', {local})) "
            f"WHEN {valid_offset} THEN timezone('{BANK_TIME_ZONE}', timezone('UTC', "
            f"{local} - to_minutes({minutes}))) END"
        )
    if col.type in SCALES:
        ok, n, d = (_quote(p + col.name) for p in ("_ok_", "_n_", "_d_"))
        return f"CASE WHEN {ok} AND {d} <= {SCALES[col.type]} THEN TRY_CAST({n} AS {SQL_TYPES[col.type]}) END"
    if col.type == INTEGER:
        return f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+(\\.0*)?') THEN TRY_CAST({v} AS BIGINT) END"
    if col.codes is not None:
        return f"LOWER({v})"
    if col.name == "currency":
        return f"UPPER({v})"
    return v


def bad_value_reason(col: Column, decimal: str) -> str | None:
    """A SQL expression: why a non-NULL value did not type (NULL when it did); None for text columns."""
    raw, typed = _quote(col.name), _quote("t_" + col.name)
    if col.type in SCALES:
        ok, d = _quote("_ok_" + col.name), _quote("_d_" + col.name)
        return (
            f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN CASE "
            f"WHEN NOT {ok} AND regexp_full_match({raw}, {_literal(_DIGITS_LIKE)}) "
            f"THEN {_literal(ambiguous_reason(col.name, decimal))} "
            f"WHEN NOT {ok} THEN 'bad {col.type} in {col.name}' "
            f"WHEN {d} > {SCALES[col.type]} THEN 'more decimals than {col.name} holds' "
            f"ELSE 'number too large for {col.name}' END END"
        )
    if col.type in (DATE, TIMESTAMP, INTEGER):
        return f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN 'bad {col.type} in {col.name}' END"
    return None


def source_text(name: str, source_type: str, decimal: str) -> str:
    """A source column (of a Parquet file or a warehouse table) as the text ingestion reads: a time-zone-aware
    timestamp as Shanghai local time, a number in the table's decimal mark, anything else cast to text."""
    q = _quote(name)
    kind = source_type.upper()
    if kind.startswith("TIMESTAMP WITH TIME ZONE") or kind == "TIMESTAMPTZ":
        return f"strftime(timezone('{BANK_TIME_ZONE}', {q}), '%Y-%m-%d %H:%M:%S.%f')"
    if decimal != "." and kind.split("(")[0] in NUMERIC_SOURCE_TYPES:
        return f"REPLACE(CAST({q} AS VARCHAR), '.', {_literal(decimal)})"
    return f"CAST({q} AS VARCHAR)"
