"""What ingestion leaves in the warehouse, as a fingerprint: every raw table, the quarantine (rows, reasons and
records), the balance-chain breaks, the skipped files, the audit counts and the load results (mode, counts,
reasons, warnings, or the error) for a list of scenarios.

Used to prove that a change to ingestion (orchestration/lib/ingest*.py) leaves every accepted row, every
quarantined row and every reason as it was:

    python tests/ingest_fingerprint.py --out tests/ingest_fingerprint.json   # record (before the change)
    python -m pytest tests/test_ingest_equality.py -x -q                          # compare (after)

The scenarios: each case of the bad-input corpus (tests/corpus/cases.py) on the minimal bank, and a generated
sample bank loaded in full, then again (unchanged), then with a new day of transactions (incremental).
Row order is not part of a fingerprint (hashes are summed): only the rows, their values and their counts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestration.lib.contract import LOAD_ORDER  # noqa: E402
from orchestration.lib.ingest import IngestionError, load_all  # noqa: E402

# The sample bank of the fingerprint: small enough for a test, big enough to hold every generated anomaly.
BANK_CUSTOMERS, BANK_MONTHS, BANK_SEED = 2000, 6, 11
BANK_LATEST = date(2026, 12, 31)
STORED = ROOT / "tests" / "ingest_fingerprint.json"
BOOKKEEPING = ("quarantine", "balance_chain_breaks", "skipped_files")


def _table_hash(con, relation: str) -> dict:
    rows, digest = con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {relation} t").fetchone()
    return {"rows": rows, "hash": int(digest)}


def warehouse_fingerprint(con) -> dict:
    """The raw tables, the quarantine (per table and reason) and the bookkeeping that states results."""
    out = {}
    for table in LOAD_ORDER:
        if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
                       [table]).fetchone()[0]:
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' "
                               "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()
            out[table] = {"columns": [f"{c} {t}" for c, t in cols], **_table_hash(con, f'raw."{table}"')}
    for table in BOOKKEEPING:
        if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
                       [table]).fetchone()[0]:
            out[table] = _table_hash(con, f"raw.{table}")
    out["quarantine_reasons"] = [list(r) for r in con.execute(
        "SELECT table_name, reason, count(*) FROM raw.quarantine GROUP BY ALL ORDER BY ALL").fetchall()]
    out["audit"] = [[str(v) for v in r] for r in con.execute(
        "SELECT table_name, rows_in, rows_accepted, rows_quarantined, load_mode, plan, files_read, rows_new, generation, "
        "parent_generations, accepted_before, warning_counts FROM raw.load_audit ORDER BY table_name").fetchall()]
    out["load_changes"] = [[str(v) for v in r] for r in con.execute(
        "SELECT load_seq, table_name, affected_from FROM raw.load_changes ORDER BY ALL").fetchall()]
    return out


def _results(results: dict, landing: Path) -> dict:
    return {
        t: {"mode": r.mode, "plan": r.plan, "rows_in": r.rows_in, "accepted": r.rows_accepted,
            "quarantined": r.rows_quarantined, "reasons": r.reasons, "breaks": r.balance_chain_breaks,
            "files_read": r.files_read, "rows_new": r.rows_new,
            "warnings": [w.replace(str(landing), "<landing>") for w in r.warnings]}
        for t, r in results.items()
    }


def _load(con, landing: Path, latest: date) -> dict:
    try:
        results = load_all(con, landing, latest_valid_date=latest)
    except IngestionError as exc:
        return {"error": str(exc).replace(str(landing), "<landing>")}
    return {"results": _results(results, landing), "warehouse": warehouse_fingerprint(con)}


def corpus_fingerprints(work: Path) -> dict:
    from tests.conftest import build_minimal_bank
    from tests.corpus.cases import CASES, LATEST_VALID_DATE

    out = {}
    for case in CASES:
        folder = work / case.name
        landing = build_minimal_bank(folder)
        case.build(landing)
        con = duckdb.connect()
        try:
            out[case.name] = _load(con, landing, LATEST_VALID_DATE)
        finally:
            con.close()
    return out


def bank_fingerprints(work: Path, customers: int = BANK_CUSTOMERS, months: int = BANK_MONTHS) -> dict:
    """A generated bank: a first load without its last transactions file, a second with it (incremental), a
    third with nothing new (unchanged), and a full reload."""
    from orchestration.lib.sample_bank import generate_bank

    landing = work / "bank"
    generate_bank(landing, n_customers=customers, n_months=months, seed=BANK_SEED)
    txn_files = sorted(p for p in (landing / "transactions").iterdir() if p.suffix in (".csv", ".gz", ".parquet"))
    held = txn_files[-1]
    aside = work / held.name
    shutil.move(held, aside)
    con = duckdb.connect(str(work / "bank.duckdb"))
    try:
        out = {"first": _load(con, landing, BANK_LATEST)}
        shutil.move(aside, held)
        out["incremental"] = _load(con, landing, BANK_LATEST)
        out["unchanged"] = _load(con, landing, BANK_LATEST)
        try:
            out["full"] = {"results": _results(load_all(con, landing, BANK_LATEST, full=True), landing),
                           "warehouse": warehouse_fingerprint(con)}
        except IngestionError as exc:
            out["full"] = {"error": str(exc)}
    finally:
        con.close()
    return out


def fingerprint_all() -> dict:
    with tempfile.TemporaryDirectory(prefix="ingest-fp-") as tmp:
        work = Path(tmp)
        return {"corpus": corpus_fingerprints(work / "corpus"), "bank": bank_fingerprints(work)}


def compare(before: dict, after: dict, path: str = "") -> list[str]:
    """The paths at which two fingerprints differ."""
    if isinstance(before, dict) and isinstance(after, dict):
        problems = []
        for key in sorted(set(before) | set(after)):
            if key not in after or key not in before:
                problems.append(f"{path}/{key}: only {'before' if key in before else 'after'}")
            else:
                problems += compare(before[key], after[key], f"{path}/{key}")
        return problems
    return [] if before == after else [f"{path}: {str(before)[:200]} != {str(after)[:200]}"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(STORED))
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args()
    result = json.loads(json.dumps(fingerprint_all(), sort_keys=True, default=str))
    target = Path(args.out)
    if args.check:
        problems = compare(json.loads(target.read_text()), result)
        print("\n".join(problems) or "identical")
        return 1 if problems else 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
