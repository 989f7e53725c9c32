"""The quality report: one offline HTML page of the latest Great Expectations results, per suite.

Read from the results the checks write (`<quality dir>/results/<suite>.json`, orchestration/lib/quality.py),
for every suite in expectations/suites/: pass or fail, each expectation with its severity, the rows checked
and the unexpected count and share. Never a value: no unexpected value, no value set, no observed value but
a table's row count (the results hold none either). The CSS is inline and nothing is loaded from elsewhere,
so it reads with no network (GE's Data Docs load their styles from a CDN).

Written to `<quality dir>/report/index.html` after the checks of a run, and published beside the morning
pages (`<publish dir>/pages/current/quality/index.html`, switched with them), so `make ui` serves it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
REPORT_DIR = "report"
REPORT_FILE = "index.html"
ERROR = "error"


@dataclass
class ExpectationRow:
    expectation: str
    column: str | None
    severity: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    row_count: int | None = None  # expect_table_* only: the table's row count (a count, not a value)
    raised_exception: bool = False
    why: str = ""


@dataclass
class SuiteResult:
    suite: str
    table: str
    description: str
    ran: bool  # a result exists
    success: bool = False
    scope: str = ""
    validated_at: str = ""
    expectations: list[ExpectationRow] = field(default_factory=list)

    @property
    def evaluated(self) -> int:
        return len(self.expectations)

    @property
    def passed(self) -> int:
        return sum(1 for e in self.expectations if e.success)

    @property
    def failed_errors(self) -> int:
        return sum(1 for e in self.expectations if not e.success and e.severity == ERROR)

    @property
    def failed_warnings(self) -> int:
        return sum(1 for e in self.expectations if not e.success and e.severity != ERROR)

    @property
    def status(self) -> str:
        if not self.ran:
            return "not run"
        if self.failed_errors:
            return "failed"
        return "warnings" if self.failed_warnings else "passed"


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _column(kwargs: dict) -> str | None:
    if kwargs.get("column"):
        return kwargs["column"]
    if kwargs.get("column_list"):
        return ",".join(kwargs["column_list"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs.get('column_B', '')}"
    return None


def _suite_default_severity(config: dict) -> str:
    return (config.get("meta") or {}).get("severity") or "warning"


def load_results(quality_dir: Path) -> list[SuiteResult]:
    """Every suite of expectations/suites/ with its latest result (counts only), in suite order."""
    from orchestration.lib.quality import load_suite_config, suite_names

    results = []
    for name in suite_names():
        config = load_suite_config(name)
        meta = config.get("meta") or {}
        suite = SuiteResult(name, meta.get("table", ""), meta.get("description", ""), ran=False)
        path = quality_dir / "results" / f"{name}.json"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            results.append(suite)
            continue
        ge = stored.get("great_expectations_result") or {}
        summary = stored.get("summary") or {}
        suite.ran = True
        suite.success = bool(summary.get("success", ge.get("success")))
        suite.scope = summary.get("scope", "")
        suite.validated_at = str((ge.get("meta") or {}).get("validation_time", ""))[:19].replace("T", " ")
        default = _suite_default_severity(config)
        for r in ge.get("results", []):
            cfg = r.get("expectation_config") or {}
            kwargs = cfg.get("kwargs") or {}
            result = r.get("result") or {}
            meta_e = cfg.get("meta") or {}
            kind = cfg.get("type", "")
            suite.expectations.append(ExpectationRow(
                expectation=kind,
                column=_column(kwargs),
                severity=meta_e.get("severity") or default,
                success=bool(r.get("success")),
                element_count=_int(result.get("element_count")),
                unexpected_count=_int(result.get("unexpected_count")),
                unexpected_percent=_number(result.get("unexpected_percent")),
                row_count=_int(result.get("observed_value")) if kind.startswith("expect_table_row_count") else None,
                raised_exception=bool((r.get("exception_info") or {}).get("raised_exception")),
                why=str(meta_e.get("why", "")),
            ))
        results.append(suite)
    return results


def totals(results: list[SuiteResult]) -> dict:
    ran = [s for s in results if s.ran]
    return {
        "suites": len(results),
        "suites_run": len(ran),
        "suites_passed": sum(1 for s in ran if s.status == "passed"),
        "suites_with_warnings": sum(1 for s in ran if s.status == "warnings"),
        "suites_failed": sum(1 for s in ran if s.status == "failed"),
        "expectations": sum(s.evaluated for s in ran),
        "expectations_passed": sum(s.passed for s in ran),
        "failed_errors": sum(s.failed_errors for s in ran),
        "failed_warnings": sum(s.failed_warnings for s in ran),
    }


def render_report(results: list[SuiteResult], generated_at: datetime | None = None) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return env.get_template("quality_report.html").render(suites=results, totals=totals(results), generated=generated)


def report_path(quality_dir: Path) -> Path:
    return quality_dir / REPORT_DIR / REPORT_FILE


def write_report(quality_dir: Path, out: Path | None = None) -> Path:
    """Render the report of the results in quality_dir to out (default <quality dir>/report/index.html),
    replacing the old one in one rename."""
    out = out or report_path(quality_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(render_report(load_results(quality_dir)), encoding="utf-8")
    os.replace(tmp, out)
    return out


def summary_lines(results: list[SuiteResult], report: Path | None) -> list[str]:
    """The quality part of the end-of-run summary: suites and expectations passed, warnings with counts."""
    t = totals(results)
    lines = [f"Quality (Great Expectations): {t['suites_passed']} of {t['suites_run']} suites passed"
             + (f", {t['suites_with_warnings']} with warnings" if t["suites_with_warnings"] else "")
             + (f", {t['suites_failed']} FAILED" if t["suites_failed"] else "")
             + (f", {t['suites'] - t['suites_run']} not run" if t["suites"] > t["suites_run"] else "")
             + f"; {t['expectations_passed']} of {t['expectations']} expectations passed"]
    for s in results:
        for e in s.expectations:
            if e.success:
                continue
            label = f"{e.expectation}:{e.column}" if e.column else e.expectation
            count = (f"{e.unexpected_count:,} of {e.element_count:,} rows ({e.unexpected_percent:.1f}%)"
                     if e.unexpected_count is not None and e.element_count and e.unexpected_percent is not None
                     else "failed")
            kind = "ERROR" if e.severity == ERROR else "warning"
            lines.append(f"  {kind} {s.suite}: {label}: {count}")
    if report:
        lines.append(f"  quality report (offline HTML): {report}")
    return lines
