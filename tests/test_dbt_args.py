"""The helpers that turn a Dagster run into dbt's command line (orchestration/lib/dbt_args.py), and the
translator that names and groups the dbt nodes as Dagster assets (orchestration/defs/dbt/assets.py)."""

from __future__ import annotations

import json
from datetime import date, datetime

import dagster as dg
import pytest

from orchestration.lib.dbt_args import build_args, dbt_vars

pytestmark = pytest.mark.unit


# ------------------------------------------------------------------ dbt_vars / build_args

def test_a_partition_window_becomes_the_refresh_months_end_exclusive():
    # Dagster gives a monthly window as datetimes, end exclusive; a mid-month value stands for its month
    assert dbt_vars(datetime(2026, 3, 1), datetime(2026, 5, 1)) == {
        "refresh_from_month": "2026-03-01", "refresh_to_month": "2026-05-01"}
    assert dbt_vars("2026-03-17T00:00:00", date(2026, 4, 30)) == {
        "refresh_from_month": "2026-03-01", "refresh_to_month": "2026-04-01"}


def test_no_window_or_half_a_window_refreshes_from_the_latest_month():
    assert dbt_vars() == {}
    assert dbt_vars(datetime(2026, 3, 1), None) == {}
    assert dbt_vars(None, datetime(2026, 3, 1)) == {}


def test_an_empty_or_backwards_window_is_refused():
    with pytest.raises(ValueError, match="empty partition window"):
        dbt_vars(date(2026, 3, 1), date(2026, 3, 20))  # both in March: no whole month
    with pytest.raises(ValueError):
        dbt_vars(date(2026, 5, 1), date(2026, 3, 1))


def test_the_as_of_date_is_checked_and_passed_on():
    assert dbt_vars(as_of_date="2026-02-28") == {"as_of_date": "2026-02-28"}
    assert dbt_vars(date(2026, 1, 1), date(2026, 2, 1), "2026-01-31")["as_of_date"] == "2026-01-31"
    with pytest.raises(ValueError):
        dbt_vars(as_of_date="2026-02-30")
    with pytest.raises(ValueError):
        dbt_vars(as_of_date="28/02/2026")


def test_build_args_pass_vars_as_sorted_json_and_full_refresh_only_when_asked():
    assert build_args({}) == ["build"]
    args = build_args({"refresh_to_month": "2026-05-01", "as_of_date": "2026-04-30"}, full_refresh=True)
    assert args[:2] == ["build", "--vars"] and args[-1] == "--full-refresh"
    assert args[2] == '{"as_of_date": "2026-04-30", "refresh_to_month": "2026-05-01"}'
    assert json.loads(args[2]) == {"as_of_date": "2026-04-30", "refresh_to_month": "2026-05-01"}
    assert "--full-refresh" not in build_args({"as_of_date": "2026-04-30"})


# ------------------------------------------------------------------ the dagster-dbt translator

@pytest.fixture(scope="module")
def translator():
    from orchestration.defs.dbt.assets import translator

    return translator


@pytest.fixture(scope="module")
def nodes():
    """The project's models and seeds by name, from the manifest Dagster loads (prepared by make install)."""
    from tests.test_dbt_project import manifest

    return {n["name"]: n for n in manifest()["nodes"].values()
            if n["resource_type"] in ("model", "seed") and n["package_name"] == "branch_retention"}


def test_a_source_is_the_python_asset_that_loads_it(translator):
    from tests.test_dbt_project import manifest

    sources = {s["name"]: s for s in manifest()["sources"].values()}
    assert translator.get_asset_key(sources["transactions"]) == dg.AssetKey(["raw", "transactions"])
    assert translator.get_asset_key(sources["working_days"]) == dg.AssetKey(["reference", "working_days"])


def test_a_mart_is_keyed_by_its_schema_as_the_suites_name_it(translator, nodes):
    # expectations/suites/mart_*.json attach to meta.asset "marts/<model>"
    assert translator.get_asset_key(nodes["fct_churn_events"]) == dg.AssetKey(["marts", "fct_churn_events"])


def test_a_model_groups_by_its_business_domain(translator, nodes):
    assert translator.get_group_name(nodes["fct_churn_events"]) == "churn"
    assert translator.get_group_name(nodes["int_churn_events"]) == "churn"
    # every staging model is one group, whatever its source system
    assert translator.get_group_name(nodes["stg_bank__accounts"]) == "staging"
    assert translator.get_group_name(nodes["stg_reference__working_days"]) == "staging"
    # balances are the customers' money: the customers group
    assert translator.get_group_name(nodes["int_account_months"]) == "customers"


def test_seeds_are_one_group(translator, nodes):
    assert translator.get_group_name(nodes["churn_types"]) == "seeds"
    assert translator.get_group_name(nodes["keyword_categories"]) == "seeds"


def test_the_translator_checks_dbt_tests_as_asset_checks(translator):
    assert translator.settings.enable_asset_checks is True
