"""The dbt project itself, read from its manifest: every unit test pins the vars its model reads, so a
`dbt build --vars '{...}'` with any valid values runs the same unit tests (docs/rules.md section 11)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
VAR_CALL = re.compile(r"var\(\s*['\"]([A-Za-z0-9_]+)['\"]")
CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@lru_cache(maxsize=1)
def manifest() -> dict:
    path = DBT_DIR / "target" / "manifest.json"
    if not path.exists():
        subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--quiet", "--profiles-dir", "."],
                       cwd=DBT_DIR, check=True)
    return json.loads(path.read_text())


def vars_read(code: str, project: str = "branch_retention") -> set[str]:
    """The vars a piece of the project's code reads, directly or through the project's macros it calls
    (by name, wherever the call stands, so a macro used only in an incremental branch counts too)."""
    macros = {m["name"]: m for m in manifest()["macros"].values() if m["package_name"] == project}
    names, seen, queue = set(), set(), [code]
    while queue:
        text = queue.pop()
        names |= set(VAR_CALL.findall(text))
        for called in set(CALL.findall(text)) & set(macros) - seen:
            seen.add(called)
            queue.append(macros[called]["macro_sql"])
    return names


def unit_tests() -> list[dict]:
    return sorted(manifest()["unit_tests"].values(), key=lambda t: t["name"])


@pytest.mark.unit
@pytest.mark.parametrize("unit_test", unit_tests(), ids=lambda t: t["name"])
def test_unit_test_pins_every_var_its_model_reads(unit_test):
    model = manifest()["nodes"][unit_test["depends_on"]["nodes"][0]]
    pinned = set((unit_test.get("overrides") or {}).get("vars") or {})
    missing = vars_read(model["raw_code"]) - pinned
    assert not missing, f"{unit_test['name']} ({model['name']}) does not pin {sorted(missing)}"


@pytest.mark.unit
def test_every_var_read_is_declared_with_a_default():
    declared = set(yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text())["vars"])
    read = set()
    for node in manifest()["nodes"].values():
        if node["package_name"] == "branch_retention":
            read |= vars_read(node.get("raw_code") or "")
    # assignment_months is set only by tests and benchmarks to fix the months the assignments chain over
    assert read - declared <= {"assignment_months"}, sorted(read - declared)


@pytest.mark.unit
def test_every_var_is_named_in_the_rules_document():
    """A bank changes a threshold from the rules document: each var of dbt_project.yml is named there."""
    declared = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text())["vars"]
    rules = (DBT_DIR.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    missing = [v for v in declared if f"`{v}`" not in rules and f"`{v}." not in rules]  # or `var.key`
    assert not missing, missing


@pytest.mark.parametrize("unit_test", [t for t in unit_tests()
                                       if ((t.get("overrides") or {}).get("macros") or {}).get("is_incremental")],
                         ids=lambda t: t["name"])
@pytest.mark.unit
def test_incremental_unit_test_does_not_read_the_warehouse_load_state(unit_test):
    """An incremental unit test's window must not depend on the loads the warehouse it runs in has seen."""
    assert "pending_changes_start" in unit_test["overrides"]["macros"], unit_test["name"]


def _models() -> dict[str, dict]:
    return {n["name"]: n for n in manifest()["nodes"].values()
            if n["resource_type"] == "model" and n["package_name"] == "branch_retention"}


def _layer(node: dict) -> str:
    return node["fqn"][1]  # staging, intermediate, marts


@pytest.mark.unit
def test_the_dag_flows_one_way_staging_intermediate_marts():
    """No staging or intermediate model reads a mart, and staging reads no intermediate model: a change to a
    mart never re-grains logic upstream of it, and the UI's groups run in the order the data flows."""
    models = _models()
    by_id = {n["unique_id"]: n for n in models.values()}
    order = {"staging": 0, "intermediate": 1, "marts": 2}
    backwards = [f"{node['name']} ({_layer(node)}) reads {by_id[parent]['name']} ({_layer(by_id[parent])})"
                 for node in models.values() for parent in node["depends_on"]["nodes"]
                 if parent in by_id and order[_layer(by_id[parent])] > order[_layer(node)]]
    assert not backwards, backwards


@pytest.mark.unit
def test_every_churn_type_has_its_signals_model_and_is_matched():
    """A churn type is a seed row (churn_types.csv), a model int_churn_signals_<type> whose signal_<type> column is
    the family's verdict, and a branch of int_churn_type_matches; 'unclassified' is what is left."""
    import csv

    with open(DBT_DIR / "seeds" / "churn_types.csv", encoding="utf-8") as f:
        types = {row["churn_type"] for row in csv.DictReader(f)} - {"unclassified"}
    models = _models()
    signals = {name.removeprefix("int_churn_signals_") for name in models if name.startswith("int_churn_signals_")}
    assert signals == types
    matched_from = {manifest()["nodes"][p]["name"] for p in models["int_churn_type_matches"]["depends_on"]["nodes"]}
    assert {f"int_churn_signals_{t}" for t in types} <= matched_from
    for t in types:
        assert f"signal_{t}" in models[f"int_churn_signals_{t}"]["raw_code"]


@pytest.mark.unit
def test_do_not_chase_is_read_from_the_seed_not_a_type_name():
    """Who is kept off retention lists is the churn_types seed's exclude_from_retention, in every model."""
    offenders = [name for name, node in _models().items()
                 if re.search(r"churn_type\s*(=|<>|!=)\s*'special'", node["raw_code"])]
    assert not offenders, offenders


@pytest.mark.unit
def test_models_group_by_business_domain_in_dagster():
    from orchestration.defs.dbt.assets import translator

    groups = {translator.get_group_name(node) for node in _models().values()}
    assert groups == {"staging", "customers", "churn", "lifecycle", "staffing", "branches", "quality", "risk"}, groups


# PostgreSQL truncates identifiers at 63 bytes, and dbt names a unit test's relation after the test.
IDENTIFIER_LIMIT = 63
# Constructs whose meaning or type differs between engines: the models call the project's macro for them
# (macros/portable/), one implementation per adapter, never dbt's directly.
ENGINE_SPECIFIC = {
    r"dbt\.datediff\(.*'month'\s*\)\s*}}": "month_diff()",
    r"dbt\.generate_series\(": "integer_series()",
    r"dbt\.listagg\([^)]*order by [a-z_.]+ *\)": "sorted_list() (text sorted by code point)",
}


@pytest.mark.unit
def test_every_name_fits_every_engine():
    names = [t["name"] for t in unit_tests()] + list(_models())
    too_long = [n for n in names if len(n.encode()) > IDENTIFIER_LIMIT]
    assert not too_long, too_long


@pytest.mark.unit
def test_models_use_the_portable_macros_where_engines_differ():
    found = []
    for name, node in _models().items():
        for pattern, macro in ENGINE_SPECIFIC.items():
            if re.search(pattern, node["raw_code"]):
                found.append(f"{name}: use {macro}")
    assert not found, found


@pytest.mark.unit
def test_seeds_hold_no_single_quote():
    """dbt-spark's seed loader writes values into its INSERT unescaped, so a single quote in a seed's text stops
    the Spark build (seen with "the tier's cadence"): seeds keep their text free of it."""
    offenders = [f"{p.name}:{n}" for p in sorted((DBT_DIR / "seeds").glob("*.csv"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "'" in line]
    assert not offenders, offenders


@pytest.mark.unit
def test_a_stale_manifest_is_parsed_again_before_the_definitions_use_it(tmp_path):
    """After a pull or an edit, the manifest the install step made names models and tests that changed:
    importing the definitions parses it again (once), and leaves a current one alone."""
    import os
    import time
    from types import SimpleNamespace

    from orchestration.defs.dbt.assets import manifest_is_stale, prepare_manifest

    calls = []

    def parse(project):
        calls.append(1)
        project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        project.manifest_path.write_text("{}")

    (tmp_path / "dbt_project.yml").write_text("name: p\nversion: '1'\nprofile: p\n")
    model = tmp_path / "models" / "m.sql"
    model.parent.mkdir()
    model.write_text("select 1 as x")
    project = SimpleNamespace(project_dir=tmp_path, manifest_path=tmp_path / "target" / "manifest.json")

    assert manifest_is_stale(project)  # never parsed
    prepare_manifest(project, parse)
    assert len(calls) == 1 and not manifest_is_stale(project)
    prepare_manifest(project, parse)
    assert len(calls) == 1  # current: not parsed again

    later = time.time() + 5
    os.utime(model, (later, later))  # the model changed after the parse
    assert manifest_is_stale(project)
    prepare_manifest(project, parse)
    assert len(calls) == 2 and not manifest_is_stale(project)
