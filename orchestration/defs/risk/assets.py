"""Early warning 流失预警: the churn-risk model learned from the bank's own history (orchestration/lib/risk_model.py).

Runs inside the normal build, between two parts of the dbt graph: it reads intermediate.int_customer_risk_features
and seeds.risk_rule_weights, and writes risk.risk_model_coefficients and risk.risk_model_evaluation, the sources
the marts fct_customer_risk_months and fct_risk_model_evaluation read (the translator maps source risk.<table>
to this asset's keys, so Dagster runs dbt, then this, then the rest of dbt)."""

from pathlib import Path

import dagster as dg
import duckdb
import yaml

from orchestration.defs.dbt.assets import branch_retention_dbt_assets
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import engine, risk_model, settings

FEATURES_KEY = dg.AssetKey(["intermediate", "int_customer_risk_features"])
RULE_WEIGHTS_KEY = dg.AssetKey(["seeds", "risk_rule_weights"])
COEFFICIENTS_KEY = dg.AssetKey(["risk", "risk_model_coefficients"])
EVALUATION_KEY = dg.AssetKey(["risk", "risk_model_evaluation"])


def _dbt_key(wanted: dg.AssetKey) -> dg.AssetKey:
    """The dbt asset key of a model or seed (the translator's keys end with the node's name)."""
    for key in branch_retention_dbt_assets.keys:
        if key.path[-1] == wanted.path[-1]:
            return key
    return wanted


def risk_settings() -> risk_model.RiskSettings:
    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return risk_model.RiskSettings.from_dbt_project(project.get("vars", {}))


def fit_in_warehouse(warehouse_path, context=None) -> risk_model.RiskModel:
    """Fit and back-test on the features the engine built; write the two risk tables where dbt reads them.

    On DuckDB that is the warehouse file itself. On PostgreSQL and Spark the features and the rule weights
    are copied out of the engine into a scratch DuckDB file beside the warehouse (removed afterwards), the
    model is fitted there, and the two tables are loaded into the engine's `risk` schema the way the raw
    tables are: the same rows in the same order give the same fit on every engine."""
    conf = risk_settings()
    if engine.uses_duckdb():
        with duckdb.connect(str(warehouse_path)) as con:
            model = risk_model.train_and_evaluate(con, conf)
            risk_model.write_tables(con, model)
        return model
    warehouse_path = Path(warehouse_path)
    with engine.scratch_dir(warehouse_path.parent) as scratch:
        copy = scratch / "risk_model.duckdb"
        with duckdb.connect(str(copy)) as con:
            for key in (FEATURES_KEY, RULE_WEIGHTS_KEY):
                schema, table = key.path
                engine.copy_from_engine(con, schema, [table], scratch_near=scratch)
            model = risk_model.train_and_evaluate(con, conf)
            risk_model.write_tables(con, model)
        engine.load_into_engine(copy, tables=[tuple(key.path) for key in (COEFFICIENTS_KEY, EVALUATION_KEY)])
    return model


@dg.multi_asset(
    specs=[
        dg.AssetSpec(COEFFICIENTS_KEY, deps=[_dbt_key(FEATURES_KEY), _dbt_key(RULE_WEIGHTS_KEY)], group_name="risk",
                     kinds={"python", "scikit-learn"},
                     description="The churn-risk weights: one row per warning sign with its coefficient, the "
                     "intercept, the training window and the rows and events it saw, and the method ('fitted': "
                     "L2 logistic regression; 'rule_weights': seed risk_rule_weights, when the training months "
                     "hold fewer than risk_min_training_events events)."),
        dg.AssetSpec(EVALUATION_KEY, deps=[_dbt_key(FEATURES_KEY), _dbt_key(RULE_WEIGHTS_KEY)], group_name="risk",
                     kinds={"python"},
                     description="The back-test on the months held out in time: ROC AUC, precision at the top k, "
                     "lost-AUM recall, lead time, calibration by decile, per churn type."),
    ],
    # not partitioned: it learns from every month the features hold
)
def risk_model_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    model = fit_in_warehouse(warehouse.database_path, context)
    context.log.info(f"risk model: {model.method}; {model.note}")
    metrics = {r["metric"]: r["value"] for r in model.evaluation if r["churn_type"] == "all" and r["score_decile"] is None}
    meta = {
        "method": model.method,
        "train_window": f"{model.train_from} .. {model.train_to}",
        "holdout_window": f"{model.holdout_from} .. {model.holdout_to}",
        "train_rows": model.train_rows,
        "train_events": model.train_events,
    }
    yield dg.MaterializeResult(asset_key=COEFFICIENTS_KEY, metadata={
        **meta, "coefficients": dg.MetadataValue.json({"intercept": model.intercept, **model.coefficients})})
    yield dg.MaterializeResult(asset_key=EVALUATION_KEY, metadata={
        **meta, "metrics": dg.MetadataValue.json({k: v for k, v in metrics.items() if v is not None})})
