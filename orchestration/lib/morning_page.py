"""The branch manager's morning page (网点晨会页): static HTML, one folder per branch, one page per staff member.

Numbers come from the semantic layer's metrics (orchestration/lib/metrics.py, MetricFlow over the marts);
the lists behind them (call lists, counter tasks, special customers) are read from the marts as they are.
Only masked personal data is ever selected (the marts hold nothing else). Charts are inline SVG drawn in
Python and the CSS is inline: a page needs no script, no font file and no network.

Each page embeds the numbers it shows as JSON (`<script type="application/json" id="page-data">`), and
each number shown carries `data-metric`, so a test or a reader can check them against the marts.

Run in a process of its own (MetricFlow sets up dbt's adapter and logging): `python -m
orchestration.lib.morning_page --out DIR`, as the publish step does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from orchestration.lib import settings
from orchestration.lib.charts import INFLOW_COLOUR, OUTFLOW_COLOUR, grouped_bars, horizontal_bars
from orchestration.lib.metrics import Metrics

TEMPLATES = Path(__file__).parent / "templates"
WAN = 10_000  # 万元: the unit branch staff read money in
# The early warning's prevention list (docs/rules.md section 10); a publication made before those marts existed
# has no such tables, and the risk panel says so.
FLAGS_TABLE = "fct_prevention_flags"
OUTCOMES_TABLE = "fct_prevention_outcomes"
TOP_AT_RISK = 10  # customers listed per branch in the risk panel, highest expected loss first

REASON_ZH = {"churn_rescue": "流失挽回 churn rescue", "prevention": "防流失 prevention",
             "maturity_reminder": "到期提醒 maturity reminder", "routine": "例行维护 routine"}
SUGGESTED_ACTION = {
    "maturity_reminder": "到期前7-15天联系,推荐续存或同类产品 Call before the maturity with a comparable offer.",
    "routine": "例行回访,了解需求 Routine check-in: ask what the customer needs next.",
}
TIER_ZH = {"private": "私行 private", "wealth": "财富 wealth", "affluent": "富裕 affluent", "mass": "大众 mass",
           "none": "无 none"}
MOVEMENT_ZH = {"upgrade": "升级 upgrade", "downgrade": "降级 downgrade", "stable": "持平 stable", "new": "新增 new",
               "lost": "流失 lost", "inactive": "无资产 inactive"}
STAGE_ZH = {"potential": "潜在 potential", "development": "发展 development", "growth": "成长 growth",
            "maturity": "成熟 maturity", "decline": "衰退 decline", "termination": "终止 termination"}


def wan(value: float | None) -> float | None:
    return None if value is None else round(value / WAN, 2)


def _month(value: str) -> str:
    return value[:7]


def deviation_cap() -> float:
    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return float(project["vars"]["deposit_deviation_cap"])


class PageData:
    """Everything the pages show, read once for all branches."""

    def __init__(self, metrics: Metrics):
        m = metrics
        self.cap = deviation_cap()
        self.branches = m.sql("SELECT branch_id, branch_name, city FROM marts.dim_branches ORDER BY branch_id")
        self.staff = m.sql("SELECT staff_id, branch_id, staff_name_masked, role, role_name_zh, daily_capacity "
                           "FROM marts.dim_staff WHERE is_serving_at_as_of ORDER BY branch_id, role_rank DESC, staff_id")
        months = m.sql("SELECT DISTINCT month_start FROM marts.fct_branch_months ORDER BY month_start")
        self.months = [r["month_start"] for r in months][-12:]
        self.this_month = self.months[-1]
        self.last_month = self.months[-2] if len(self.months) > 1 else None
        first_day = m.sql("SELECT min(call_date) AS d FROM marts.fct_daily_call_list")[0]["d"]
        self.today = first_day  # the first working day after the as-of date: the morning the page is for
        plan = m.sql("SELECT min(month_start) AS m FROM marts.fct_contact_plan WHERE is_plan_month")[0]["m"]
        self.plan_month = plan

        self.flows = m.query(["inflow", "outflow", "net_flow", "aum_monthly_avg", "aum_month_end", "deposit_deviation",
                              "special_customers", "special_parked_amount"], ["metric_time__month", "branch"])
        self.churn = m.query(["churn_outflow", "churned_aum", "churn_events"],
                             ["metric_time__month", "branch", "branch_churn_month__churn_type",
                              "branch_churn_month__churn_type_zh"],
                             where=[self._months_where()])
        self.tier_moves = m.query(["customers"], ["metric_time__month", "branch", "customer_month__tier_movement"],
                                  where=[self._months_where()])
        self.tiers = m.query(["customers"], ["metric_time__month", "branch", "customer_month__service_tier"],
                             where=[self._months_where()])
        self.lifecycle = m.query(["lifecycle_customers"],
                                 ["metric_time__month", "branch", "lifecycle_month__lifecycle_stage"],
                                 where=[self._months_where()])
        self.quality = m.query(["customers_with_assets", "customers_with_usable_phone", "usable_phone_share",
                                "aum_nobody_can_call"],
                               ["contact_quality_row__level", "branch", "staff"])
        self.contacts = m.query(["contacts_planned", "contacts_done", "contacts_reached"], ["metric_time__month", "staff"])
        self.load_today = m.query(["calls_planned", "call_capacity", "call_load_vs_capacity"], ["metric_time__day", "staff"],
                                  where=[f"{{{{ TimeDimension('metric_time', 'day') }}}} = '{self.today}'"]) if self.today else []
        self.load_month = m.query(["calls_planned", "call_capacity", "call_load_vs_capacity"], ["staff"])

        self.call_list = m.sql(
            "SELECT l.staff_id, l.branch_id, l.call_date, l.call_order, l.customer_id, l.customer_name_masked, "
            "l.mobile_phone_masked, l.service_tier, l.contact_reason, l.due_date, l.is_after_due_date, "
            "l.monthly_avg_aum, coalesce(l.suggested_action, e.recommended_action) AS recommended_action, "
            "l.risk_reasons, l.expected_loss "
            "FROM marts.fct_daily_call_list AS l "
            "LEFT JOIN marts.fct_churn_events AS e ON l.contact_reason = 'churn_rescue' "
            "AND l.contact_reference = e.churn_event_id "
            f"WHERE l.call_date = DATE '{self.today}' ORDER BY l.branch_id, l.staff_id, l.call_order") if self.today else []
        self.counter_tasks = m.sql(
            "SELECT t.branch_id, t.task_rank, t.customer_name_masked, t.service_tier, t.monthly_avg_aum, t.task, "
            "t.responsible_staff_id, s.staff_name_masked AS responsible_staff_name "
            "FROM marts.fct_counter_tasks AS t LEFT JOIN marts.dim_staff AS s ON t.responsible_staff_id = s.staff_id "
            "ORDER BY t.branch_id, t.task_rank")
        self.special = m.sql(
            "WITH ids AS (SELECT b.branch_id, trim(unnest(string_split(b.special_customer_ids, ','))) AS customer_id "
            f"FROM marts.fct_branch_months AS b WHERE b.month_start = DATE '{self.this_month}' "
            "AND b.special_customer_ids IS NOT NULL AND b.special_customer_ids <> '') "
            "SELECT ids.branch_id, c.customer_name_masked, c.service_tier, c.month_end_aum, c.monthly_avg_aum "
            "FROM ids JOIN marts.dim_customers AS c ON ids.customer_id = c.customer_id "
            "ORDER BY ids.branch_id, c.month_end_aum DESC, c.customer_id")
        self.prevention_calls = m.sql(
            "SELECT staff_id, branch_id, call_date, call_order, customer_name_masked, mobile_phone_masked, "
            "service_tier, due_date, is_after_due_date, risk_reasons, suggested_action, expected_loss "
            "FROM marts.fct_daily_call_list WHERE contact_reason = 'prevention' "
            "ORDER BY staff_id, call_date, call_order")
        self.risk = self._risk(m)

    def _months_where(self) -> str:
        months = [x for x in (self.last_month, self.this_month) if x]
        return "{{ TimeDimension('metric_time', 'month') }} IN (" + ", ".join(f"'{x}'" for x in months) + ")"

    def _risk(self, m: Metrics) -> dict | None:
        """The risk panel's rows when the prevention marts exist (built where the risk models are), else None
        (the panel says so): per branch, the plan month's prevention list (customers at risk, their expected loss),
        its top customers, and the outcome loop over the months whose outcome is known."""
        if not (m.table_exists("marts", FLAGS_TABLE) and m.table_exists("marts", OUTCOMES_TABLE)):
            return None
        plan = f"DATE '{self.plan_month}'" if self.plan_month else "NULL"
        totals = m.sql(
            f"SELECT branch_id, count(*) AS customers_at_risk, sum(expected_loss) AS money_at_risk, "
            f"sum(CASE WHEN is_call THEN 1 ELSE 0 END) AS prevention_calls "
            f"FROM marts.{FLAGS_TABLE} WHERE month_start = {plan} GROUP BY branch_id")
        top = m.sql(
            f"SELECT branch_id, prevention_rank, customer_name_masked, service_tier, risk_reasons, expected_loss, "
            f"churn_risk_score, is_call, due_date, suggested_action, staff_name_masked FROM ("
            f" SELECT f.branch_id, f.prevention_rank, c.customer_name_masked, c.service_tier, f.risk_reasons, "
            f" f.expected_loss, f.churn_risk_score, f.is_call, f.due_date, f.suggested_action, s.staff_name_masked, "
            f" row_number() OVER (PARTITION BY f.branch_id ORDER BY f.expected_loss DESC, f.customer_id) AS branch_rank "
            f" FROM marts.{FLAGS_TABLE} AS f JOIN marts.dim_customers AS c ON f.customer_id = c.customer_id "
            f" LEFT JOIN marts.dim_staff AS s ON f.staff_id = s.staff_id WHERE f.month_start = {plan}) "
            f"WHERE branch_rank <= {TOP_AT_RISK} ORDER BY branch_id, branch_rank")
        loop = m.sql(
            f"SELECT branch_id, sum(reached_with_outcome) AS reached, sum(reached_churned) AS reached_churned, "
            f"sum(not_reached_with_outcome) AS not_reached, sum(not_reached_churned) AS not_reached_churned "
            f"FROM marts.{OUTCOMES_TABLE} WHERE NOT is_plan_month GROUP BY branch_id")
        return {"totals": totals, "top": top, "loop": loop}


def _one(rows: list[dict], **match) -> dict:
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    return {}


def _staff_view(data: PageData, person: dict) -> dict:
    sid = person["staff_id"]
    today = _one(data.load_today, staff=sid)
    month = _one(data.load_month, staff=sid)
    calls = [
        {**c, "reason_label": REASON_ZH.get(c["contact_reason"], c["contact_reason"]),
         "tier_label": TIER_ZH.get(c["service_tier"], c["service_tier"]),
         "suggested_action": c["recommended_action"] or SUGGESTED_ACTION.get(c["contact_reason"], ""),
         "aum_wan": wan(c["monthly_avg_aum"])}
        for c in data.call_list if c["staff_id"] == sid]
    prevention = [{**c, "tier_label": TIER_ZH.get(c["service_tier"], c["service_tier"]),
                   "expected_loss_wan": wan(c["expected_loss"])}
                  for c in getattr(data, "prevention_calls", []) if c["staff_id"] == sid]
    contacts = {
        label: _one(data.contacts, staff=sid, metric_time__month=month_start)
        for label, month_start in (("as_of_month", data.this_month), ("plan_month", data.plan_month)) if month_start}
    capacity = today.get("call_capacity") or 0
    planned = today.get("calls_planned") or 0
    return {
        **person,
        "calls_today": planned, "capacity_today": capacity, "load_today": today.get("call_load_vs_capacity"),
        "is_overloaded_today": planned > capacity,
        "calls_plan_month": month.get("calls_planned") or 0, "capacity_plan_month": month.get("call_capacity") or 0,
        "load_plan_month": month.get("call_load_vs_capacity"),
        "contacts": {k: {"planned": v.get("contacts_planned") or 0, "done": v.get("contacts_done") or 0,
                         "reached": v.get("contacts_reached") or 0} for k, v in contacts.items()},
        "call_list": calls,
        "prevention_calls": prevention,
        "counter_tasks": [t for t in data.counter_tasks if t["responsible_staff_id"] == sid],
        "quality": _one(data.quality, contact_quality_row__level="staff", staff=sid),
    }


def branch_view(data: PageData, branch: dict) -> dict:
    bid = branch["branch_id"]
    month_rows = {r["metric_time__month"]: r for r in data.flows if r["branch"] == bid}

    def kpis(month):
        r = month_rows.get(month, {})
        return {"month": _month(month) if month else None,
                "aum_monthly_avg_wan": wan(r.get("aum_monthly_avg")), "aum_month_end_wan": wan(r.get("aum_month_end")),
                "inflow_wan": wan(r.get("inflow")), "outflow_wan": wan(r.get("outflow")),
                "net_flow_wan": wan(r.get("net_flow")), "deposit_deviation": r.get("deposit_deviation"),
                "special_customers": r.get("special_customers") or 0,
                "special_parked_amount_wan": wan(r.get("special_parked_amount") or 0)}

    flows12 = [{"month": _month(mo), "inflow_wan": wan(month_rows.get(mo, {}).get("inflow") or 0),
                "outflow_wan": wan(month_rows.get(mo, {}).get("outflow") or 0)} for mo in data.months]
    churn = sorted(
        ({"churn_type": r["branch_churn_month__churn_type"], "label": f'{r["branch_churn_month__churn_type_zh"]} '
          f'{r["branch_churn_month__churn_type"]}', "outflow_wan": wan(r["churn_outflow"] or 0),
          "churned_aum_wan": wan(r["churned_aum"] or 0), "events": r["churn_events"] or 0}
         for r in data.churn if r["branch"] == bid and r["metric_time__month"] == data.this_month),
        key=lambda r: (-r["outflow_wan"], r["churn_type"]))  # ties by type: the same page from the same marts

    def counts(rows, key, labels, month):
        found = {r[key]: r[list(r)[-1]] for r in rows if r["branch"] == bid and r["metric_time__month"] == month}
        return [{"code": k, "label": labels.get(k, k), "customers": found.get(k, 0)} for k in labels if k in found]

    moves = {"this": counts(data.tier_moves, "customer_month__tier_movement", MOVEMENT_ZH, data.this_month),
             "last": counts(data.tier_moves, "customer_month__tier_movement", MOVEMENT_ZH, data.last_month)}
    tiers = counts(data.tiers, "customer_month__service_tier", TIER_ZH, data.this_month)
    lifecycle = counts(data.lifecycle, "lifecycle_month__lifecycle_stage", STAGE_ZH, data.this_month)
    quality = _one(data.quality, contact_quality_row__level="branch", branch=bid)
    staff = [_staff_view(data, p) for p in data.staff if p["branch_id"] == bid]
    this = kpis(data.this_month)
    risk = None if data.risk is None else _risk_view(data.risk, bid)
    return {
        "branch": branch, "today": data.today, "this_month": _month(data.this_month),
        "last_month": _month(data.last_month) if data.last_month else None, "plan_month": _month(data.plan_month or ""),
        "kpis": {"this": this, "last": kpis(data.last_month)},
        "deviation_cap": data.cap,
        "deviation_over_cap": this["deposit_deviation"] is not None and this["deposit_deviation"] > data.cap,
        "flows12": flows12, "churn_by_type": churn, "tier_moves": moves, "tiers": tiers, "lifecycle": lifecycle,
        "special_customers": [{**s, "month_end_aum_wan": wan(s["month_end_aum"]), "monthly_avg_aum_wan": wan(s["monthly_avg_aum"])}
                              for s in data.special if s["branch_id"] == bid],
        "quality": {"customers_with_assets": quality.get("customers_with_assets") or 0,
                    "customers_with_usable_phone": quality.get("customers_with_usable_phone") or 0,
                    "usable_phone_share": quality.get("usable_phone_share"),
                    "customers_nobody_can_call": (quality.get("customers_with_assets") or 0)
                    - (quality.get("customers_with_usable_phone") or 0),
                    "aum_nobody_can_call_wan": wan(quality.get("aum_nobody_can_call") or 0)},
        "counter_tasks": [{**t, "aum_wan": wan(t["monthly_avg_aum"])} for t in data.counter_tasks if t["branch_id"] == bid],
        "staff": staff,
        "risk": risk,
    }


def _rate(churned, known) -> float | None:
    return None if not known else (churned or 0) / known


def _risk_view(risk: dict, bid: str) -> dict:
    """The branch's risk panel: the plan month's prevention list and the outcome loop (observational)."""
    totals = _one(risk["totals"], branch_id=bid)
    loop = _one(risk["loop"], branch_id=bid)
    reached, not_reached = _rate(loop.get("reached_churned"), loop.get("reached")), _rate(
        loop.get("not_reached_churned"), loop.get("not_reached"))
    return {
        "customers_at_risk": totals.get("customers_at_risk") or 0,
        "prevention_calls": totals.get("prevention_calls") or 0,
        "money_at_risk_wan": wan(totals.get("money_at_risk") or 0),
        "top": [{**t, "expected_loss_wan": wan(t["expected_loss"]), "tier_label": TIER_ZH.get(t["service_tier"], t["service_tier"])}
                for t in risk["top"] if t["branch_id"] == bid],
        "loop": {"reached": loop.get("reached") or 0, "not_reached": loop.get("not_reached") or 0,
                 "churn_rate_reached": reached, "churn_rate_not_reached": not_reached,
                 "observed_save_rate": None if reached is None or not_reached is None else not_reached - reached},
    }


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["wan"] = lambda v: "—" if v is None else f"{v:,.2f}"
    env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.2f}%"
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,.0f}"
    return env


def _data_block(payload: dict) -> str:
    # </script> can never close the block early: every "<" is escaped.
    return json.dumps(payload, ensure_ascii=False, default=str).replace("<", "\\u003c")


def page_data(html: str) -> dict:
    """The numbers a written page shows, read back from its data block (script#page-data): what tests and
    readers check against the marts."""
    block = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    if block is None:
        raise ValueError("the page has no data block (script#page-data)")
    return json.loads(block.group(1))


def build_pages(out: Path, metrics: Metrics | None = None) -> list[Path]:
    """Write out/index.html, out/<branch>/index.html and out/<branch>/staff/<staff_id>.html; returns the pages."""
    data = PageData(metrics or Metrics())
    env = _environment()
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    written = []
    views = []
    for branch in data.branches:
        view = branch_view(data, branch)
        views.append(view)
        folder = out / branch["branch_id"]
        (folder / "staff").mkdir(parents=True, exist_ok=True)
        charts = {
            "flows": grouped_bars([f["month"][2:] for f in view["flows12"]],
                                  [("进水量 inflow", INFLOW_COLOUR, [f["inflow_wan"] for f in view["flows12"]]),
                                   ("出水量 outflow", OUTFLOW_COLOUR, [f["outflow_wan"] for f in view["flows12"]])],
                                  unit="万元"),
            "churn": horizontal_bars([(c["label"], c["outflow_wan"]) for c in view["churn_by_type"]], "万元",
                                     colour=OUTFLOW_COLOUR),
            "lifecycle": horizontal_bars([(s["label"], float(s["customers"])) for s in view["lifecycle"]], "人"),
        }
        page = folder / "index.html"
        page.write_text(env.get_template("branch.html").render(
            v=view, charts=charts, generated=generated, data_json=_data_block(view)), encoding="utf-8")
        written.append(page)
        for person in view["staff"]:
            staff_page = folder / "staff" / f"{person['staff_id']}.html"
            payload = {"branch": branch, "today": view["today"], "plan_month": view["plan_month"], "staff": person}
            staff_page.write_text(env.get_template("staff.html").render(
                v=view, s=person, generated=generated, data_json=_data_block(payload)), encoding="utf-8")
            written.append(staff_page)
    index = out / "index.html"
    index.write_text(env.get_template("index.html").render(views=views, generated=generated), encoding="utf-8")
    written.append(index)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write the morning pages from the warehouse")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    pages = build_pages(Path(args.out))
    print(f"{len(pages)} pages written under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
