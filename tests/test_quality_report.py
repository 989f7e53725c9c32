"""The offline quality report: every suite, pass/fail and counts, no value, nothing loaded from elsewhere."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import pytest

from orchestration.lib import quality
from orchestration.lib.quality import suite_names, validate_frame
from orchestration.lib.quality_report import load_results, render_report, summary_lines, write_report

# Anything that would make a browser fetch from elsewhere: a URL with a scheme or protocol-relative, @import.
EXTERNAL = re.compile(r"(?i)(https?:|ftp:|//[a-z0-9.-]+\.[a-z]{2,}|@import|\bsrc\s*=)")


def _suite_rows(html: str) -> set[str]:
    return set(re.findall(r'data-suite="([^"]+)"', html))


@pytest.mark.unit
def test_the_report_has_every_suite_counts_and_no_values(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "BUILD_DATA_DOCS", False)
    # One suite run on a bad batch: a duplicate key (error) and a missing name (error), with a planted name.
    frame = pd.DataFrame({"branch_id": ["B1", "B1", "B2"], "branch_name": ["西湖支行", None, "张三的秘密支行"],
                          "opened_date": pd.to_datetime(["2001-03-01", "2002-01-01", "2003-01-01"])})
    parameters = {"earliest_valid_ts": datetime(1900, 1, 1), "latest_valid_ts": datetime(2030, 1, 1)}
    outcome = validate_frame("raw_branches", frame, parameters, output_dir=tmp_path)
    assert not outcome.success

    results = load_results(tmp_path)
    assert [s.suite for s in results] == suite_names()
    branches = next(s for s in results if s.suite == "raw_branches")
    assert branches.status == "failed" and branches.failed_errors == 2 and branches.evaluated == 5
    assert all(s.status == "not run" for s in results if s.suite != "raw_branches")

    html = render_report(results)
    assert _suite_rows(html) == set(suite_names())
    assert "expect_column_values_to_be_unique" in html and "FAIL" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html).group(0)
    for value in ("B1", "B2", "西湖支行", "张三"):  # never a value of the data
        assert value not in html

    lines = summary_lines(results, tmp_path / "report" / "index.html")
    assert lines[0].startswith("Quality (Great Expectations): 0 of 1 suites passed, 1 FAILED")
    assert "1 of 3 rows" in "\n".join(lines)  # the duplicate: a count and a share, no value
    assert any("ERROR raw_branches: expect_column_values_to_be_unique:branch_id" in line for line in lines)

    written = write_report(tmp_path)
    assert written == tmp_path / "report" / "index.html" and _suite_rows(written.read_text()) == set(suite_names())


def test_each_run_publishes_the_report_beside_the_pages(pipeline_run):
    landing, warehouse, stdout = pipeline_run
    root = warehouse.parent
    report = root / "published" / "pages" / "current" / "quality" / "index.html"
    assert report.exists()
    html = report.read_text(encoding="utf-8")
    assert _suite_rows(html) == set(suite_names())
    assert 'class="not-run"' not in html  # every suite ran in the run
    assert not EXTERNAL.search(html), EXTERNAL.search(html).group(0)
    assert not re.search(r"1[3-9]\d{9}", html)  # no phone number, masked or not
    # the summary says where it is
    assert str(report) in stdout
