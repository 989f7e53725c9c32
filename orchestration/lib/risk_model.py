"""Early warning 流失预警 (DOMAIN section 10): learn the churn-risk weights from the bank's own history and
back-test them on months held out in time.

Input: intermediate.int_customer_risk_features (one row per funded customer-month; f_* signs known at the month
end, the label churned_within_horizon and whether it is known yet). Output, two warehouse tables dbt reads as
sources (schema `risk`):

- risk.risk_model_coefficients: one row per feature (and the intercept) with the training window and the data
  it saw, method 'fitted' (an L2-regularised logistic regression, scikit-learn) or 'rule_weights' (seed
  risk_rule_weights, when the training months hold fewer than risk_min_training_events events).
- risk.risk_model_evaluation: the back-test on the held-out months (the last risk_holdout_months months whose
  outcome is known): ROC AUC, precision at the top k of each branch-month (k = risk_capacity_share of the
  branch's monthly call capacity), recall of the lost AUM flagged beforehand, lead time (days from the first
  flag to the event's start: median and quartiles), calibration by score decile; overall and per churn type.

Deterministic: input sorted by month and customer, a fixed random_state, lbfgs (no sampling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

FEATURES_TABLE = "intermediate.int_customer_risk_features"
RISK_SCHEMA = "risk"
COEFFICIENTS_TABLE = f"{RISK_SCHEMA}.risk_model_coefficients"
EVALUATION_TABLE = f"{RISK_SCHEMA}.risk_model_evaluation"
INTERCEPT = "intercept"
REGULARISATION_C = 1.0  # inverse L2 strength (scikit-learn's default): shrinks weights of rare signs
RANDOM_STATE = 0


@dataclass
class RiskSettings:
    horizon_months: int = 3
    min_training_events: int = 30
    holdout_months: int = 3
    capacity_share: float = 0.10

    @classmethod
    def from_dbt_project(cls, project_vars: dict) -> RiskSettings:
        return cls(
            horizon_months=int(project_vars.get("risk_horizon_months", 3)),
            min_training_events=int(project_vars.get("risk_min_training_events", 30)),
            holdout_months=int(project_vars.get("risk_holdout_months", 3)),
            capacity_share=float(project_vars.get("risk_capacity_share", 0.10)),
        )


@dataclass
class RiskModel:
    method: str  # 'fitted' or 'rule_weights'
    intercept: float
    coefficients: dict[str, float]
    train_from: object = None
    train_to: object = None
    holdout_from: object = None
    holdout_to: object = None
    train_rows: int = 0
    train_events: int = 0
    note: str = ""
    evaluation: list[dict] = field(default_factory=list)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        z = np.full(len(frame), self.intercept, dtype=float)
        for name, weight in self.coefficients.items():
            z += weight * frame[name].to_numpy(dtype=float)
        return 1.0 / (1.0 + np.exp(-z))


def feature_columns(frame: pd.DataFrame) -> list[str]:
    return sorted(c for c in frame.columns if c.startswith("f_"))


def read_features(con) -> pd.DataFrame:
    frame = con.execute(f"SELECT * FROM {FEATURES_TABLE} ORDER BY month_start, customer_id").df()
    return frame


def read_rule_weights(con) -> dict[str, float]:
    rows = con.execute("SELECT feature, coefficient FROM seeds.risk_rule_weights ORDER BY feature").fetchall()
    return {feature: float(weight) for feature, weight in rows}


def fit(frame: pd.DataFrame, rule_weights: dict[str, float], settings: RiskSettings) -> RiskModel:
    """Fit on the known months before the hold-out; fall back to the rule weights when they hold too few events."""
    features = feature_columns(frame)
    known = frame[frame["is_outcome_known"].astype(bool)]
    months = sorted(known["month_start"].unique())
    holdout = months[-settings.holdout_months:] if settings.holdout_months > 0 else []
    train_months = [m for m in months if m not in set(holdout)]
    train = known[known["month_start"].isin(train_months)]
    n_events = int(train["churned_within_horizon"].sum()) if len(train) else 0
    window = dict(
        train_from=train_months[0] if train_months else None,
        train_to=train_months[-1] if train_months else None,
        holdout_from=holdout[0] if holdout else None,
        holdout_to=holdout[-1] if holdout else None,
        train_rows=len(train),
        train_events=n_events,
    )
    positives = n_events
    negatives = len(train) - n_events
    if positives < settings.min_training_events or negatives == 0:
        return RiskModel(
            method="rule_weights",
            intercept=rule_weights.get(INTERCEPT, 0.0),
            coefficients={f: rule_weights.get(f, 0.0) for f in features},
            note=f"{positives} events in {len(train_months)} training months, fewer than risk_min_training_events "
            f"({settings.min_training_events}): the seed's rule weights score",
            **window,
        )
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION_C, solver="lbfgs", max_iter=1000, random_state=RANDOM_STATE)
    model.fit(train[features].to_numpy(dtype=float), train["churned_within_horizon"].to_numpy(dtype=int))
    return RiskModel(
        method="fitted",
        intercept=float(model.intercept_[0]),
        coefficients={f: float(w) for f, w in zip(features, model.coef_[0])},
        note=f"L2 logistic regression, C={REGULARISATION_C}, on {len(train_months)} months",
        **window,
    )


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    if labels.min(initial=1) == labels.max(initial=0):
        return None  # one class only: undefined
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def flag_top_k(frame: pd.DataFrame, settings: RiskSettings) -> pd.Series:
    """Flagged = among the k highest scores of the branch and month (k = capacity_share of its monthly call
    capacity); special-type customers are never flagged (never on a retention list)."""
    eligible = frame[~frame["is_special_customer"].astype(bool)].sort_values(
        ["home_branch_id", "month_start", "score", "customer_id"], ascending=[True, True, False, True]
    )
    rank = eligible.groupby(["home_branch_id", "month_start"]).cumcount() + 1
    k = np.floor(eligible["branch_monthly_call_capacity"].astype(float) * settings.capacity_share)
    flagged = pd.Series(False, index=frame.index)
    flagged.loc[eligible.index] = (rank <= k).to_numpy()
    return flagged


def evaluate(frame: pd.DataFrame, model: RiskModel, settings: RiskSettings) -> list[dict]:
    """The back-test on the held-out months: one row per metric (and churn type, and decile)."""
    if model.holdout_from is None:
        return []
    rows: list[dict] = []
    data = frame.copy()
    data["score"] = model.score(data)
    data["flagged"] = flag_top_k(data, settings)
    hold = data[
        data["is_outcome_known"].astype(bool)
        & (data["month_start"] >= model.holdout_from)
        & (data["month_start"] <= model.holdout_to)
        & ~data["is_special_customer"].astype(bool)
    ]

    def add(metric, value, churn_type="all", decile=None, n_rows=None, n_events=None, note=""):
        rows.append(dict(metric=metric, churn_type=churn_type, score_decile=decile,
                         value=None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value),
                         n_rows=n_rows, n_events=n_events, note=note))

    labels = hold["churned_within_horizon"].to_numpy(dtype=int)
    add("base_rate", labels.mean() if len(labels) else None, n_rows=len(hold), n_events=int(labels.sum()),
        note="share of held-out customer-months with an event in the horizon")
    add("roc_auc", _auc(labels, hold["score"].to_numpy()), n_rows=len(hold), n_events=int(labels.sum()))
    flagged = hold[hold["flagged"]]
    add("precision_at_top_k", flagged["churned_within_horizon"].mean() if len(flagged) else None,
        n_rows=len(flagged), n_events=int(flagged["churned_within_horizon"].sum()),
        note=f"top k per branch-month, k = {settings.capacity_share} x monthly call capacity")

    # events that start after the hold-out begins, each once (customer, event month), with whether a held-out
    # month before it (within the horizon) flagged the customer and how early
    events = hold[hold["churned_within_horizon"] == 1][
        ["customer_id", "next_event_month", "next_event_start_date", "next_event_churn_type", "next_event_amount_lost"]
    ].drop_duplicates(["customer_id", "next_event_month"])
    first_flags = (
        hold[hold["flagged"] & (hold["churned_within_horizon"] == 1)]
        .groupby(["customer_id", "next_event_month"])["period_end"].min().rename("first_flag_date")
    )
    events = events.join(first_flags, on=["customer_id", "next_event_month"])
    events["lead_days"] = (
        pd.to_datetime(events["next_event_start_date"]) - pd.to_datetime(events["first_flag_date"])
    ).dt.days

    types = sorted(t for t in hold["next_event_churn_type"].dropna().unique())
    for churn_type in ["all", *types]:
        subset = events if churn_type == "all" else events[events["next_event_churn_type"] == churn_type]
        lost = subset["next_event_amount_lost"].astype(float)
        flagged_lost = lost[subset["first_flag_date"].notna()]
        add("recall_lost_aum", flagged_lost.sum() / lost.sum() if lost.sum() > 0 else None, churn_type,
            n_rows=len(subset), n_events=int(subset["first_flag_date"].notna().sum()),
            note="share of the AUM lost in held-out events whose customer was flagged beforehand")
        lead = subset["lead_days"].dropna()
        for metric, q in (("lead_days_p25", 0.25), ("lead_days_median", 0.5), ("lead_days_p75", 0.75)):
            add(metric, lead.quantile(q) if len(lead) else None, churn_type, n_rows=len(lead), n_events=len(lead),
                note="days from the first flag (month end) to the day the event's money started to leave")
        if churn_type != "all":
            # this type's events against the customer-months with no event at all
            scope = hold[(hold["next_event_churn_type"] == churn_type) | (hold["churned_within_horizon"] == 0)]
            scope_labels = scope["churned_within_horizon"].to_numpy(dtype=int)
            add("roc_auc", _auc(scope_labels, scope["score"].to_numpy()), churn_type, n_rows=len(scope),
                n_events=int(scope_labels.sum()), note="this type's events against months with none")

    if len(hold):
        ranks = hold["score"].rank(method="first")
        deciles = np.ceil(ranks * 10 / len(hold)).astype(int).clip(1, 10)
        for decile, group in hold.groupby(deciles):
            add("calibration_predicted", group["score"].mean(), decile=int(decile), n_rows=len(group),
                n_events=int(group["churned_within_horizon"].sum()))
            add("calibration_observed", group["churned_within_horizon"].mean(), decile=int(decile),
                n_rows=len(group), n_events=int(group["churned_within_horizon"].sum()))
    return rows


def train_and_evaluate(con, settings: RiskSettings) -> RiskModel:
    frame = read_features(con)
    model = fit(frame, read_rule_weights(con), settings)
    model.evaluation = evaluate(frame, model, settings) if len(frame) else []
    return model


# The column types of the two tables (DuckDB), the same on every engine they are loaded into.
TABLE_TYPES = {
    "feature": "VARCHAR", "coefficient": "DOUBLE", "intercept": "DOUBLE", "method": "VARCHAR",
    "train_from": "DATE", "train_to": "DATE", "holdout_from": "DATE", "holdout_to": "DATE",
    "train_rows": "BIGINT", "train_events": "BIGINT", "note": "VARCHAR", "fitted_at": "TIMESTAMP",
    "metric": "VARCHAR", "churn_type": "VARCHAR", "score_decile": "INTEGER", "value": "DOUBLE",
    "n_rows": "BIGINT", "n_events": "BIGINT",
}


def write_tables(con, model: RiskModel) -> None:
    """Replace risk.risk_model_coefficients and risk.risk_model_evaluation (DuckDB)."""
    fitted_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def day(value):
        return None if value is None else pd.Timestamp(value).date()

    common = dict(
        method=model.method, train_from=day(model.train_from), train_to=day(model.train_to),
        holdout_from=day(model.holdout_from), holdout_to=day(model.holdout_to),
        train_rows=model.train_rows, train_events=model.train_events, note=model.note, fitted_at=fitted_at,
    )
    coefficients = pd.DataFrame(
        [dict(feature=f, coefficient=w, intercept=model.intercept, **common) for f, w in sorted(model.coefficients.items())]
    )
    evaluation = pd.DataFrame(model.evaluation or [], columns=[
        "metric", "churn_type", "score_decile", "value", "n_rows", "n_events", "note"])
    for key in ("method", "train_from", "train_to", "holdout_from", "holdout_to", "fitted_at"):
        evaluation[key] = common[key]
    evaluation["score_decile"] = evaluation["score_decile"].astype("Int64")
    evaluation["n_rows"] = evaluation["n_rows"].astype("Int64")
    evaluation["n_events"] = evaluation["n_events"].astype("Int64")
    evaluation["value"] = evaluation["value"].astype("float64")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RISK_SCHEMA}")
    for name, frame in ((COEFFICIENTS_TABLE, coefficients), (EVALUATION_TABLE, evaluation)):
        # declared types, not pandas' guess: a column of nulls only (no training window yet) would otherwise be
        # typed NULL, which no other engine can hold
        columns = ", ".join(f"CAST({c} AS {TABLE_TYPES[c]}) AS {c}" for c in frame.columns)
        con.register("risk_frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {columns} FROM risk_frame")
        con.unregister("risk_frame")
