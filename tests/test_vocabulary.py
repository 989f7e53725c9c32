"""Each vocabulary lives in one place (a dbt seed or the raw contract) and everything else reads it or is tested
against it: a hand-typed second list of churn types, tiers, roles, tier movements, lifecycle stages, contact or
assignment reasons, keyword categories or raw codes fails here (issue 14, item 2).

Pure Python over the project's files: no warehouse, no dbt run."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from orchestration.lib import vocabulary
from orchestration.lib.contract import TABLES
from orchestration.lib.quality import load_suite_config, suite_names

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
DBT = REPO / "dbt_project"

# Every vocabulary and its source.
SEED_VOCABULARIES = [
    "seed:churn_types.churn_type",
    "seed:tier_roles.tier",
    "seed:tier_roles.serving_role",
    "seed:tier_movements.tier_movement",
    "seed:lifecycle_stages.lifecycle_stage",
    "seed:contact_reasons.contact_reason",
    "seed:assignment_reasons.assignment_reason",
    "seed:keyword_categories.category",
]
CONTRACT_VOCABULARIES = [f"contract:{t.name}.{c.name}" for t in TABLES.values() for c in t.columns if c.codes]
VOCABULARIES = {name: set(vocabulary.values(name)) for name in SEED_VOCABULARIES + CONTRACT_VOCABULARIES}

# Files that are a vocabulary's source, or plant data with it (the sample bank writes raw codes, as a core
# system would): not copies.
SOURCES = {"orchestration/lib/contract.py", "orchestration/lib/vocabulary.py"}
PLANTERS = ("orchestration/lib/generator.py", "orchestration/lib/sample_bank/", "tests/extracts.py",
            "tests/corpus/")
# Literal lists kept on purpose, each checked against its source by a named test.
CHECKED_COPIES = {
    # the churn signal families dbt refs by name (a ref cannot be read from a seed at parse time);
    # tests/test_dbt_project.py::test_every_churn_type_has_its_signals_model_and_is_matched checks them
    "dbt_project/models/intermediate/churn/int_churn_type_matches.sql": {"seed:churn_types.churn_type"},
    # the tier names by rank, inlined in every model's CASE; test_the_tier_macro_lists_the_seed_by_rank checks it
    "dbt_project/macros/tiers/tiers.sql": {"seed:tier_roles.tier"},
}


def hits(values: list[str]) -> list[str]:
    """The vocabularies a literal list copies: all of a seed's values or all but one (a list of the churn types
    less the fallback is still a copy), every code of a contract column. A few values are a use, not a copy;
    a subset of raw codes is a business rule (the bank's own postings: interest, fee, maturity_payout)."""
    found = set(values)
    return [name for name, vocab in VOCABULARIES.items()
            if len(found & vocab) >= (max(2, len(vocab) - 1) if name.startswith("seed:") else len(vocab))]


# ------------------------------------------------------------------ the sources agree with each other

def test_every_vocabulary_source_is_readable_and_not_empty():
    for name, vocab in VOCABULARIES.items():
        assert len(vocab) >= 2, name


def test_the_serving_roles_of_the_tier_seed_are_the_contract_roles():
    """Two sources name the staff roles (the raw contract's staff.role and the tier_roles seed's serving_role):
    they must hold the same codes."""
    assert VOCABULARIES["seed:tier_roles.serving_role"] == VOCABULARIES["contract:staff.role"]


def test_the_tier_macro_lists_the_seed_by_rank():
    """macros/tiers/tiers.sql names the tiers by rank (index = tier_rank): the tier_roles seed's order."""
    text = (DBT / "macros" / "tiers" / "tiers.sql").read_text(encoding="utf-8")
    listed = re.findall(r"'([a-z_]+)'", re.search(r"return\(\[([^\]]*)\]\)", text).group(1))
    by_rank = sorted(vocabulary.seed_rows("tier_roles"), key=lambda r: int(r["tier_rank"]))
    assert listed == [r["tier"] for r in by_rank]
    assert [int(r["tier_rank"]) for r in by_rank] == list(range(len(by_rank)))


def test_the_retention_exclusion_is_a_seed_column():
    excluded = vocabulary.retention_excluded_churn_types()
    assert excluded and set(excluded) < VOCABULARIES["seed:churn_types.churn_type"]


# ------------------------------------------------------------------ the Great Expectations suites

@pytest.mark.parametrize("suite", suite_names())
def test_suite_value_sets_are_named_not_listed(suite):
    raw = json.loads((REPO / "expectations" / "suites" / f"{suite}.json").read_text(encoding="utf-8"))
    copies = [(e["kwargs"]["column"], hits(e["kwargs"]["value_set"])) for e in raw["expectations"]
              if isinstance(e["kwargs"].get("value_set"), list) and hits(e["kwargs"]["value_set"])]
    assert not copies, f"{suite}: write {{\"$VOCABULARY\": ...}} instead of the list: {copies}"
    resolved = load_suite_config(suite)
    assert vocabulary.PLACEHOLDER not in json.dumps(resolved)


def test_a_suite_placeholder_resolves_to_the_seed_and_honours_except():
    got = vocabulary.resolve({"value_set": {"$VOCABULARY": "seed:churn_types.churn_type", "except": ["unclassified"]}})
    assert set(got["value_set"]) == VOCABULARIES["seed:churn_types.churn_type"] - {"unclassified"}
    assert vocabulary.resolve({"$VOCABULARY": "contract:transactions.direction"}) == ["credit", "debit"]
    with pytest.raises(ValueError):
        vocabulary.resolve({"$VOCABULARY": "seed:churn_types.churn_type", "except": ["no_such_type"]})
    with pytest.raises(ValueError):
        vocabulary.values("churn_types.churn_type")


def test_a_new_seed_row_reaches_the_suite(tmp_path, monkeypatch):
    """Adding a churn type is a seed row: the suite's value set follows without an edit."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    text = (DBT / "seeds" / "churn_types.csv").read_text(encoding="utf-8")
    (seeds / "churn_types.csv").write_text(text + "lifestyle,生活导向型,6,false,Call.\n", encoding="utf-8")
    monkeypatch.setattr(vocabulary, "SEEDS_DIR", seeds)
    vocabulary.seed_rows.cache_clear()
    try:
        assert "lifestyle" in load_suite_config("mart_fct_churn_events")["expectations"][1]["kwargs"]["value_set"]
    finally:
        vocabulary.seed_rows.cache_clear()


# ------------------------------------------------------------------ the dbt yml tests

def _accepted_values(node, path=()):
    """(where, values) of every accepted_values test in a parsed yml file."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "accepted_values":
                args = value.get("arguments", value)
                yield path, list(args["values"])
            else:
                yield from _accepted_values(value, path + (str(node.get("name", key)),))
    elif isinstance(node, list):
        for item in node:
            yield from _accepted_values(item, path)


def test_yml_tests_check_seed_vocabularies_by_relationship():
    """A column holding a seed's vocabulary has a relationships test to the seed, not a literal list."""
    copies = []
    for path in sorted(DBT.rglob("*.yml")):
        if "target" in path.parts:
            continue
        for where, values in _accepted_values(yaml.safe_load(path.read_text(encoding="utf-8"))):
            copied = [h for h in hits(values) if h.startswith("seed:")]
            # a raw code list (staff.role is both a contract code and the seed's serving_role) is checked
            # against the contract by the next test
            if copied and not any(set(values) == VOCABULARIES[c] for c in CONTRACT_VOCABULARIES):
                copies.append(f"{path.relative_to(REPO)} {'/'.join(where)}: {copied}")
    assert not copies, copies


def test_yml_raw_code_lists_equal_the_contract():
    """The staging models' accepted_values on raw codes are the contract's codes for the same column, exactly
    (dbt cannot read the contract; this keeps the copy honest)."""
    wrong = []
    for path in sorted((DBT / "models" / "staging").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            table = model["name"].removeprefix("stg_bank__")
            for column in model.get("columns", []):
                for _where, values in _accepted_values(column.get("data_tests", [])):
                    copied = [h for h in hits(values) if h.startswith("contract:")]
                    if not copied:
                        continue
                    source = f"contract:{table}.{column['name']}"
                    if source not in VOCABULARIES or set(values) != VOCABULARIES[source]:
                        wrong.append(f"{model['name']}.{column['name']}: {values} vs {source}")
    assert not wrong, wrong


# ------------------------------------------------------------------ SQL and Python

SQL_LIST = re.compile(r"[\(\[]\s*('[^'\n]*'(?:\s*,\s*'[^'\n]*')+)\s*[\)\]]")


def _sql_copies(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in SQL_LIST.finditer(text):
        found += hits(re.findall(r"'([^']*)'", match.group(1)))
    return found


def test_no_sql_model_or_macro_types_a_vocabulary():
    copies = []
    for path in sorted([*(DBT / "models").rglob("*.sql"), *(DBT / "macros").rglob("*.sql"),
                        *(DBT / "tests").rglob("*.sql")]):
        rel = str(path.relative_to(REPO))
        copied = set(_sql_copies(path)) - CHECKED_COPIES.get(rel, set())
        if copied:
            copies.append(f"{rel}: {sorted(copied)}")
    assert not copies, copies


def test_no_model_tests_a_churn_type_by_name():
    """Who is kept off retention lists (do not chase) is the churn_types seed's exclude_from_retention in every
    model and singular test: never churn_type = '<a type>'."""
    pattern = re.compile(r"churn_type\s*(=|<>|!=|\bin\b|\bnot in\b)\s*\(?\s*'")
    offenders = [str(p.relative_to(REPO)) for p in sorted(DBT.rglob("*.sql"))
                 if "target" not in p.parts and pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def _python_copies(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            found += [f"line {node.lineno}: {h}" for h in hits(strings)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(
                r"churn_type\s*(=|<>|!=)\s*'", node.value):
            found.append(f"line {node.lineno}: SQL testing churn_type by name")
    return found


def test_no_python_module_or_test_types_a_vocabulary():
    copies = []
    for path in sorted([*(REPO / "orchestration").rglob("*.py"), *(REPO / "tests").rglob("*.py"),
                        *(REPO / "benchmarks").rglob("*.py")]):
        rel = str(path.relative_to(REPO))
        if rel in SOURCES or rel.startswith(PLANTERS) or path.name == "test_vocabulary.py":
            continue
        copied = _python_copies(path)
        if copied:
            copies.append(f"{rel}: {copied}")
    assert not copies, copies


def test_the_scanners_catch_a_copy(tmp_path):
    """The scanners above can fail: a literal list of tiers in SQL, Python or a suite is found."""
    sql = tmp_path / "m.sql"
    sql.write_text("select * from t where tier in ('mass', 'affluent', 'wealth', 'private')\n", encoding="utf-8")
    assert "seed:tier_roles.tier" in _sql_copies(sql)
    py = tmp_path / "m.py"
    py.write_text("TYPES = ('special', 'consumption', 'product', 'service')\nq = \"where churn_type = 'special'\"\n")
    assert len(_python_copies(py)) == 2
    assert "contract:transactions.direction" in hits(["credit", "debit"])
    assert hits(["new", "routine"]) == [] and hits(["interest", "fee", "maturity_payout"]) == []


# ------------------------------------------------------------------ personal data (Column.personal)

def test_every_personal_column_of_the_contract_is_planted_by_the_privacy_test():
    """tests/test_privacy.py plants a distinctive value in each personal field and looks for it everywhere
    outside the warehouse: the fields are the contract's Column.personal, so a new personal column is covered."""
    from tests.test_privacy import SECRETS

    personal = {c.name for t in TABLES.values() for c in t.columns if c.personal}
    assert personal, "the contract marks no personal column"
    # birth_date is a date: a planted text would be quarantined as a bad date, not carried
    assert personal - {"birth_date"} <= set(SECRETS), sorted(personal - {"birth_date"} - set(SECRETS))
