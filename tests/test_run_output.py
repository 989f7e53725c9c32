"""A readable run: `branch-retention run` prints a short stage view and the summary; the full log is a file."""

from __future__ import annotations

import re

# The printed output of a run on the test bank (2,000 customers, 12 months): the stage view (~25 lines) and
# the summary (~50 lines). Before issue 18 a run printed about 1,300 lines.
MAX_PRINTED_LINES = 120


def test_a_run_prints_a_short_stage_view_and_the_quality_summary(pipeline_run):
    _, _, stdout = pipeline_run
    lines = stdout.splitlines()
    assert len(lines) <= MAX_PRINTED_LINES, f"{len(lines)} lines printed"
    text = "\n".join(lines)
    # stage by stage: each raw table with its rows and seconds, the dbt build with its models and tests
    assert re.search(r"raw/transactions +[\d,]+ rows +[\d.]+s", text)
    assert re.search(r"dbt build +\d+ models +\d+ tests: \d+ passed", text)
    assert "published/marts" in text
    # the quality summary: suites and expectations passed, dbt tests, where the report is
    assert re.search(r"Quality \(Great Expectations\): \d+ of \d+ suites passed.*; \d+ of \d+ expectations passed", text)
    assert re.search(r"dbt tests \(asset checks\): \d+ of \d+ passed", text)
    assert "quality report (offline HTML):" in text
    # no library chatter and no dbt log lines on the console
    assert "great_expectations" not in text and "alembic" not in text
    assert not re.search(r"^\d+ of \d+ (START|OK|PASS)", text, re.M)
    # the full log is a file, named on the first line, holding what the console no longer shows
    match = re.match(r"Full log of this run: (\S+)", lines[0])
    assert match
    log = open(match.group(1), encoding="utf-8").read()
    assert "Running dbt command" in log and "Completed successfully" in log
    assert "Skipping registering function" not in log  # GE's INFO chatter is quiet at its source
