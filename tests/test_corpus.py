"""The bad-input corpus (tests/corpus/cases.py): every case ends in its expected error or quarantine."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib.contract import LOAD_ORDER
from orchestration.lib.ingest import IngestionError, load_all
from tests.corpus.cases import BASE_SECRETS, CASES, LATEST_VALID_DATE, Outcome, render_markdown


@pytest.fixture
def memory_warehouse():
    """In memory: the corpus is about ingestion, not the file (and runs twice as fast)."""
    con = duckdb.connect()
    yield con
    con.close()


@pytest.mark.unit
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, minimal_bank, memory_warehouse):
    warehouse = memory_warehouse
    # The expected outcome itself reconciles.
    for outcome in case.tables.values():
        assert outcome.rows_in == outcome.accepted + sum(outcome.quarantined.values())
    case.build(minimal_bank)
    secrets = case.secrets + BASE_SECRETS

    if case.error:
        with pytest.raises(IngestionError) as err:
            load_all(warehouse, minimal_bank, latest_valid_date=LATEST_VALID_DATE)
        message = str(err.value)
        assert case.error in message
        assert not [s for s in secrets if s in message], message
        return

    results = load_all(warehouse, minimal_bank, latest_valid_date=LATEST_VALID_DATE)
    for table in LOAD_ORDER:
        result = results[table]
        expected = case.tables.get(table)
        if expected is None:
            # Untouched tables: everything the minimal bank holds is accepted.
            assert result.rows_quarantined == 0, (table, result.reasons)
            expected = Outcome(result.rows_in, result.rows_in)
        got = (result.rows_in, result.rows_accepted, result.reasons)
        assert got == (expected.rows_in, expected.accepted, expected.quarantined), table
        # rows in = accepted + quarantined, in the result, the audit table and the tables themselves.
        assert result.reconciles
        audit = warehouse.execute(
            "SELECT rows_in, rows_accepted, rows_quarantined FROM raw.load_audit WHERE table_name = ?", [table]
        ).fetchone()
        in_table = warehouse.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        in_quarantine = warehouse.execute(
            "SELECT count(*) FROM raw.quarantine WHERE table_name = ?", [table]).fetchone()[0]
        assert audit == (expected.rows_in, in_table, in_quarantine)
        assert in_table + in_quarantine == expected.rows_in

    assert results["transactions"].balance_chain_breaks == case.balance_chain_breaks
    # no reason quotes a value: a reason names the rule, the value stays in the quarantined record
    reasons = [reason for r in results.values() for reason in r.reasons]
    assert not [r for r in reasons if any(s in r for s in secrets)], reasons
    warnings = [w for r in results.values() for w in r.warnings]
    if case.warning:
        assert any(case.warning in w for w in warnings), warnings
    assert not [w for w in warnings if any(s in w for s in secrets)]
    if case.check:
        case.check(warehouse)


@pytest.mark.unit
def test_every_listed_kind_of_bad_input_has_a_case():
    names = {c.name for c in CASES}
    assert len(names) == len(CASES)
    assert names >= {
        "missing_required_column", "extra_column", "wrong_type", "empty_file", "header_only_optional_table",
        "duplicate_primary_keys", "orphan_foreign_keys", "negative_and_zero_amounts", "balance_chain_breaks",
        "future_dates", "currency_without_rate", "currency_with_rate", "unknown_codes", "gbk_encoded_csv",
        "utf8_bom", "windows_line_endings", "quoted_commas_and_newlines", "unparseable_rows",
        "csv_and_parquet_mixed", "missing_optional_table",
        # hardening: no value misread, no file unseen
        "number_formats_accepted", "ambiguous_number_formats", "more_decimals_than_the_column_holds",
        "numbers_in_other_notations", "decimal_comma_declared", "timestamps_with_offsets",
        "parquet_timestamps_with_time_zone", "gzip_compressed_csv", "archive_subfolder_older_copy",
        "hidden_and_office_lock_files", "tsv_and_txt_files", "transactions_outside_the_account_dates",
        "staff_left_before_hired", "fx_rate_needed_before_its_first_rate", "cp1252_file_without_a_setting",
        "cp1252_file_declared", "line_over_the_size_limit",
    }


@pytest.mark.unit
def test_corpus_readme_lists_every_case_with_its_outcome():
    readme = Path(__file__).parent / "corpus" / "README.md"
    assert readme.read_text(encoding="utf-8") == render_markdown(), (
        "tests/corpus/README.md is stale: .venv/bin/python -m tests.corpus.cases > tests/corpus/README.md")
