"""Score the marts against a generated bank's planted ground truth (`_ground_truth/` in the landing folder).

Precision and recall per lifecycle stage, per churn type, for the stated-purpose mismatch flag, and per
tier movement. Only planted customers are labelled, so both are measured on the labelled rows:
recall = labelled rows of a class the marts got right / labelled rows of that class;
precision = labelled rows the marts put in a class that truly are / labelled rows the marts put there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class Score:
    label: str
    support: int  # labelled rows truly in the class
    predicted: int  # labelled rows the marts put in the class
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None


def _scores(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> list[Score]:
    """pairs_sql yields (truth, predicted) per labelled row."""
    rows = con.execute(
        f"""
        WITH pairs AS ({pairs_sql}),
        labels AS (SELECT truth AS label FROM pairs UNION SELECT predicted FROM pairs WHERE predicted IS NOT NULL)
        SELECT label,
               (SELECT count(*) FROM pairs WHERE truth = label),
               (SELECT count(*) FROM pairs WHERE predicted = label),
               (SELECT count(*) FROM pairs WHERE truth = label AND predicted = label)
        FROM labels ORDER BY label
        """
    ).fetchall()
    return [Score(*r) for r in rows]


def evaluate(warehouse: Path, ground_truth: Path) -> dict[str, list[Score]]:
    from orchestration.lib.engine import marts_connection

    with marts_connection(warehouse) as con:
        return _evaluate(con, ground_truth)


def _evaluate(con, ground_truth: Path) -> dict[str, list[Score]]:
    gt = {name: str(ground_truth / f"{name}.csv") for name in ("lifecycle", "churn_events", "tier_moves")}
    results = {}
    results["lifecycle stage"] = _scores(
        con,
        f"""
        SELECT g.stage AS truth, l.lifecycle_stage AS predicted
        FROM read_csv('{gt['lifecycle']}', header=true, all_varchar=true) g
        LEFT JOIN marts.fct_customer_lifecycle l
          ON l.customer_id = g.customer_id AND l.month_start = CAST(g.month AS DATE)
        """,
    )
    # A planted event matches the customer's detected event that starts in its month, or covers it,
    # or starts one month either side (a daily average lags the balance it follows).
    matched = f"""
        SELECT g.customer_id, g.event_month, g.churn_type AS truth,
               lower(g.stated_purpose_mismatch) = 'true' AS truth_mismatch,
               e.churn_type AS predicted, e.signal_stated_purpose_mismatch AS predicted_mismatch
        FROM read_csv('{gt['churn_events']}', header=true, all_varchar=true) g
        LEFT JOIN marts.fct_churn_events e
          ON e.customer_id = g.customer_id
         AND CAST(g.event_month AS DATE) BETWEEN e.event_month - INTERVAL 1 MONTH AND e.last_month + INTERVAL 1 MONTH
        QUALIFY row_number() OVER (
            PARTITION BY g.customer_id, g.event_month
            ORDER BY abs(datediff('month', e.event_month, CAST(g.event_month AS DATE))), e.event_month) = 1
    """
    results["churn type"] = _scores(con, f"SELECT truth, predicted FROM ({matched})")
    results["stated-purpose mismatch"] = _scores(
        con,
        f"""SELECT CASE WHEN truth_mismatch THEN 'mismatch' ELSE 'no mismatch' END AS truth,
                   CASE WHEN predicted_mismatch THEN 'mismatch' WHEN predicted_mismatch IS NOT NULL
                        THEN 'no mismatch' END AS predicted
            FROM ({matched})""",
    )
    results["tier movement"] = _scores(
        con,
        f"""
        SELECT g.movement AS truth, m.tier_movement AS predicted
        FROM read_csv('{gt['tier_moves']}', header=true, all_varchar=true) g
        LEFT JOIN marts.fct_customer_months m
          ON m.customer_id = g.customer_id AND m.month_start = CAST(g.month AS DATE)
        """,
    )
    return results


def format_scores(results: dict[str, list[Score]]) -> str:
    def pct(x):
        return "   n/a" if x is None else f"{x:6.1%}"

    lines = []
    for section, scores in results.items():
        lines.append(f"\n{section}:")
        lines.append(f"  {'label':<16}{'support':>9}{'predicted':>11}{'precision':>11}{'recall':>9}")
        for s in scores:
            lines.append(f"  {s.label:<16}{s.support:>9}{s.predicted:>11}{pct(s.precision):>11}{pct(s.recall):>9}")
    return "\n".join(lines)


def risk_evaluation(warehouse: Path) -> list[tuple]:
    """The early-warning back-test as stored in marts.fct_risk_model_evaluation (empty before the risk model ran)."""
    from orchestration.lib.engine import marts_connection

    with marts_connection(warehouse) as con:
        rows = con.execute(
            "SELECT metric, churn_type, score_decile, value, n_rows, n_events, method, holdout_from, holdout_to "
            "FROM marts.fct_risk_model_evaluation").fetchall()
    # the figures over every type first, then each churn type's
    return sorted(rows, key=lambda r: (r[1] != "all", r[1] or "", r[0], r[2] if r[2] is not None else -1))


def format_risk_evaluation(rows: list[tuple]) -> str:
    if not rows:
        return "Early warning back-test: none stored yet (run the pipeline: the risk/model asset writes it)."
    method, start, end = rows[0][6], rows[0][7], rows[0][8]
    lines = [f"Early warning back-test (weights: {method}; held-out months {start} .. {end})",
             f"  {'metric':24} {'churn type':13} {'decile':>6} {'value':>10} {'rows':>7} {'events':>7}"]
    for metric, churn_type, decile, value, n_rows, n_events, *_ in rows:
        shown = "-" if value is None else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        lines.append(f"  {metric:24} {churn_type:13} {'' if decile is None else decile:>6} {shown:>10} "
                     f"{'' if n_rows is None else n_rows:>7} {'' if n_events is None else n_events:>7}")
    return "\n".join(lines)
