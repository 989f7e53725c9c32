"""Great Expectations 1.x suites from expectations/suites/*.json, run on pandas frames.

The suites are plain JSON files a bank edits; an ephemeral GX context runs them, so a validation never
rewrites committed configuration. Results keep counts only: unexpected values (phones, names) are
personal data and are not collected (partial_unexpected_count = 0).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.lib.settings import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "suites"
# GX sends usage statistics by default; this product runs without network and shares nothing.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    mostly: float | None


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


def load_suite_config(name: str) -> dict:
    return json.loads(suite_path(name).read_text(encoding="utf-8"))


def validate_frame(suite_name: str, frame: pd.DataFrame) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    config = load_suite_config(suite_name)
    suite = ExpectationSuite(name=config["name"], expectations=config["expectations"], meta=config.get("meta"))
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    asset = context.data_sources.add_pandas(name="warehouse").add_dataframe_asset(name=suite_name)
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 0})
    outcomes = []
    for r in result.results:
        kwargs = r.expectation_config.kwargs
        outcomes.append(
            ExpectationOutcome(
                expectation=r.expectation_config.type,
                column=kwargs.get("column"),
                success=bool(r.success),
                element_count=r.result.get("element_count"),
                unexpected_count=r.result.get("unexpected_count"),
                unexpected_percent=r.result.get("unexpected_percent"),
                mostly=kwargs.get("mostly"),
            )
        )
    return SuiteOutcome(suite_name, bool(result.success), outcomes)
