"""Early warning 流失预警: the risk model on the shared pipeline bank (tests/pipeline_fixtures.py), and the
fallback and determinism of orchestration/lib/risk_model.py on small frames."""

import numpy as np
import pandas as pd
import pytest

from orchestration.lib import risk_model


def _frame(n_months: int, n_customers: int, events_every: int) -> pd.DataFrame:
    rows = []
    for m in range(n_months):
        for c in range(n_customers):
            churn = int(c % events_every == 0)
            row = {"customer_id": f"C{c:04d}", "home_branch_id": "B1", "month_start": pd.Timestamp(2026, 1 + m, 1),
                   "period_end": pd.Timestamp(2026, 1 + m, 28), "is_outcome_known": True, "is_special_customer": False,
                   "branch_monthly_call_capacity": 100, "churned_within_horizon": churn,
                   "next_event_month": pd.Timestamp(2026, 2 + m, 1) if churn else pd.NaT,
                   "next_event_start_date": pd.Timestamp(2026, 2 + m, 10) if churn else pd.NaT,
                   "next_event_churn_type": "product" if churn else None,
                   "next_event_amount_lost": 100000.0 if churn else None}
            for f in ("f_maturity_after_leak", "f_open_complaint"):
                row[f] = 0
            row["f_maturity_after_leak"] = churn if c % 3 else 0
            row["f_open_complaint"] = int(c % 7 == 0)
            rows.append(row)
    return pd.DataFrame(rows)


RULES = {"intercept": -3.5, "f_maturity_after_leak": 2.5, "f_open_complaint": 1.2}


@pytest.mark.unit
def test_too_few_events_fall_back_to_the_rule_weights():
    frame = _frame(n_months=5, n_customers=40, events_every=20)  # 2 events a month, 4 in the training months
    model = risk_model.fit(frame, RULES, risk_model.RiskSettings(min_training_events=30, holdout_months=3))
    assert model.method == "rule_weights"
    assert model.coefficients["f_maturity_after_leak"] == 2.5 and model.intercept == -3.5


@pytest.mark.unit
def test_enough_events_fit_the_same_weights_twice_and_rank_the_signs():
    frame = _frame(n_months=8, n_customers=200, events_every=5)
    settings = risk_model.RiskSettings(min_training_events=30, holdout_months=3)
    first, second = risk_model.fit(frame, RULES, settings), risk_model.fit(frame.sample(frac=1, random_state=3)
                                                                           .sort_values(["month_start", "customer_id"]), RULES, settings)
    assert first.method == "fitted"
    assert first.coefficients == second.coefficients and first.intercept == second.intercept
    assert first.coefficients["f_maturity_after_leak"] > 1.0  # the planted sign is learned
    assert str(first.holdout_from.date()) == "2026-06-01" and str(first.train_to.date()) == "2026-05-01"
    metrics = {(r["metric"], r["churn_type"]): r["value"] for r in risk_model.evaluate(frame, first, settings)
               if r["score_decile"] is None}
    assert metrics[("roc_auc", "all")] > 0.7
    assert metrics[("precision_at_top_k", "all")] > metrics[("base_rate", "all")]


@pytest.mark.unit
def test_the_risk_tables_have_declared_types_even_with_no_training_window():
    """A model fitted on a history too short for a hold-out has no window dates: the tables still carry dates
    (not DuckDB's NULL type, which PostgreSQL and Spark cannot hold), so they load into every engine."""
    import duckdb

    model = risk_model.RiskModel(method="rule_weights", intercept=-3.5, coefficients={"f_open_complaint": 1.2})
    con = duckdb.connect()
    risk_model.write_tables(con, model)
    types = dict(con.execute("SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'risk'").fetchall())
    assert types["risk_model_coefficients.train_from"] == "DATE"
    assert types["risk_model_evaluation.score_decile"] == "INTEGER"
    assert "NULL" not in types.values()
    assert con.execute("SELECT count(*) FROM risk.risk_model_evaluation").fetchone()[0] == 0


@pytest.mark.usefixtures("pipeline_run")
def test_pipeline_builds_both_risk_marts_with_sane_values(con):
    risk = con.execute(
        "SELECT count(*), min(churn_risk_score), max(churn_risk_score), count(DISTINCT scoring_method), "
        "sum(CASE WHEN is_special_customer AND is_retention_candidate THEN 1 ELSE 0 END), "
        "sum(CASE WHEN abs(expected_loss - churn_risk_score * aum_at_risk) > 0.000001 * aum_at_risk + 0.01 THEN 1 ELSE 0 END) "
        "FROM marts.fct_customer_risk_months").fetchone()
    n, lo, hi, n_methods, special_candidates, bad_loss = risk
    assert n > 0 and 0 <= lo <= hi <= 1 and hi > lo
    assert n_methods == 1 and special_candidates == 0 and bad_loss == 0
    # the mart's SQL scores as the model's Python does
    coefficients = dict(con.execute("SELECT feature, coefficient FROM risk.risk_model_coefficients").fetchall())
    intercept = con.execute("SELECT max(intercept) FROM risk.risk_model_coefficients").fetchone()[0]
    sample = con.execute("SELECT f.*, m.churn_risk_score FROM intermediate.int_customer_risk_features f JOIN "
                         "marts.fct_customer_risk_months m USING (customer_id, month_start) ORDER BY customer_id, "
                         "month_start LIMIT 500").df()
    z = intercept + sum(w * sample[f].astype(float) for f, w in coefficients.items())
    assert np.allclose(1 / (1 + np.exp(-z)), sample["churn_risk_score"].astype(float), atol=1e-5)
    metrics = {m for (m,) in con.execute("SELECT DISTINCT metric FROM marts.fct_risk_model_evaluation").fetchall()}
    assert {"roc_auc", "precision_at_top_k", "recall_lost_aum", "lead_days_median", "calibration_observed"} <= metrics
