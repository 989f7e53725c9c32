"""The end-of-run summary: what came in, what was quarantined, what the marts hold, where they are."""

from __future__ import annotations

from pathlib import Path

import duckdb


def warehouse_summary(database: Path, published: Path | None = None) -> dict:
    con = duckdb.connect(str(database), read_only=True)
    try:
        loads = con.execute(
            "SELECT table_name, rows_in, rows_accepted, rows_quarantined, load_mode, rows_new FROM raw.load_audit "
            "ORDER BY table_name"
        ).fetchall()
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY table_name"
            ).fetchall()
        ]
        mart_rows = {m: con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in marts}
    finally:
        con.close()
    from orchestration.lib import engine

    if not engine.uses_duckdb():
        mart_rows = engine.engine_row_counts("marts")
    return {
        "engine": engine.describe(),
        "raw": [dict(zip(("table", "rows_in", "accepted", "quarantined", "load", "rows_read"), r)) for r in loads],
        "marts": mart_rows,
        "warehouse": str(database),
        "published": str(published) if published and (published / "serving" / "marts.duckdb").exists() else None,
    }


def format_summary(summary: dict) -> str:
    lines = ["", "Raw tables (rows in = accepted + quarantined):"]
    lines.append(f"  {'table':<26}{'rows in':>12}{'accepted':>12}{'quarantined':>13}   last load (rows read)")
    for r in summary["raw"]:
        lines.append(f"  {r['table']:<26}{r['rows_in']:>12,}{r['accepted']:>12,}{r['quarantined']:>13,}"
                     f"   {r['load']} ({r['rows_read']:,})")
    lines.append("  quarantined rows and their reasons: table raw.quarantine")
    lines.append("")
    lines.append("Marts (schema marts" + (f", in {summary['engine']}" if summary.get("engine", "duckdb") != "duckdb" else "") + "):")
    for name, n in summary["marts"].items():
        lines.append(f"  {name:<38}{n:>12,} rows")
    lines.append("")
    if summary.get("engine", "duckdb") != "duckdb":
        lines.append(f"Models built in: {summary['engine']} (raw tables validated in the DuckDB file below)")
    lines.append(f"Warehouse (DuckDB, working copy): {summary['warehouse']}")
    if summary.get("published"):
        lines.append(f"For BI tools (read-only, refreshed atomically): {summary['published']}/serving/marts.duckdb")
        lines.append(f"                                           and {summary['published']}/parquet/current/<mart>.parquet")
        lines.append(f"Morning pages (one folder per branch): {summary['published']}/pages/current/index.html "
                     "(make ui serves them on http://127.0.0.1:8080)")
    lines.append("Dagster UI: make ui   (or: .venv/bin/dagster dev, then open http://localhost:3000)")
    lines += quality_lines(summary)
    if summary.get("log_file"):
        warned = f" ({summary['warnings']} warning(s) logged)" if summary.get("warnings") else ""
        lines.append(f"Full log of this run{warned}: {summary['log_file']}")
    return "\n".join(lines)


def quality_lines(summary: dict) -> list[str]:
    """Suites and expectations passed, each failed expectation with its counts, dbt's tests, where the report
    is: the pages' copy when published, else the quality folder's."""
    if not summary.get("quality_dir"):
        return []
    from orchestration.lib.quality_report import load_results, report_path

    quality_dir = Path(summary["quality_dir"])
    published = Path(summary["published"]) / "pages" / "current" / "quality" / "index.html" if summary.get(
        "published") else None
    report = published if published and published.exists() else report_path(quality_dir)
    lines = [""]
    from orchestration.lib.quality_report import summary_lines

    lines += summary_lines(load_results(quality_dir), report if report.exists() else None)
    tests = summary.get("dbt_tests")
    if tests:
        total = sum(tests.values())
        extra = "".join(f", {tests[k]} {k}" for k in ("warned", "failed") if tests.get(k))
        lines.append(f"dbt tests (asset checks): {tests['passed']} of {total} passed{extra}")
    return lines
