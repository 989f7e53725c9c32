"""The morning page: its numbers equal the marts, it shows only masked data, and it fetches nothing.

The end-to-end test reads the pages the pipeline published for the generated bank (pipeline_run), opens
them in Debian's headless Chromium (served from 127.0.0.1), saves screenshots, and compares what the DOM
shows with the marts read directly. The fast tests need no warehouse.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import socketserver
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.lib import metrics
from orchestration.lib.charts import grouped_bars, horizontal_bars
from orchestration.lib.morning_page import page_data

UNMASKED_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
REQUIRED_METRICS = {
    "aum_monthly_avg", "aum_month_end", "inflow", "outflow", "net_flow", "churn_outflow", "churned_aum", "customers",
    "contacts_planned", "contacts_done", "contacts_reached", "calls_planned", "call_capacity",
    "call_load_vs_capacity", "deposit_deviation", "usable_phone_share", "aum_nobody_can_call", "lifecycle_customers",
}


# --- fast: the semantic layer's catalogue, the charts, the page from hand-made data -------------------------

@pytest.mark.unit
def test_every_metric_the_issue_lists_is_defined_once_with_a_description():
    catalogue = metrics.metric_catalogue()
    assert REQUIRED_METRICS <= set(catalogue)
    for info in catalogue.values():
        assert info.description and info.label, f"{info.name} has no description or label"


@pytest.mark.unit
def test_metric_values_become_plain_json_and_month_filters_take_the_first_of_the_month():
    import datetime as dt
    from decimal import Decimal

    assert metrics.plain(dt.datetime(2026, 10, 1)) == "2026-10-01"
    assert metrics.plain(Decimal("12.50")) == 12.5
    assert "'2026-10-01'" in metrics.month_where("2026-10")


@pytest.mark.unit
def test_charts_are_inline_svg_with_no_reference_outside_the_page():
    svg = grouped_bars(["25-11", "25-12"], [("进水量 inflow", "#00f", [1.0, 2.0]), ("出水量 outflow", "#f00", [3.0, 0.5])],
                       unit="万元") + horizontal_bars([("消费导向型 consumption", 2.5)], "万元")
    assert svg.count("<svg") == 2 and svg.count("<rect") >= 5
    assert "http" not in svg and "href" not in svg


def _fake_data():
    """Two staff in one branch, one of them over capacity today, in the shape PageData reads."""
    today, month, last = "2026-11-02", "2026-10-01", "2026-09-01"
    staff = [
        {"staff_id": "S1", "branch_id": "B1", "staff_name_masked": "王*", "role": "teller", "role_name_zh": "柜员",
         "daily_capacity": 2},
        {"staff_id": "S2", "branch_id": "B1", "staff_name_masked": "李**", "role": "wealth_manager",
         "role_name_zh": "理财经理", "daily_capacity": 15},
    ]
    calls = [{"staff_id": "S1", "branch_id": "B1", "call_date": today, "call_order": i, "customer_id": f"C{i}",
              "customer_name_masked": "张*", "mobile_phone_masked": "138****5678", "service_tier": "mass",
              "contact_reason": "routine", "due_date": "2026-11-30", "is_after_due_date": False,
              "monthly_avg_aum": 12345.0, "recommended_action": None} for i in (1, 2, 3)]
    return SimpleNamespace(
        cap=0.04, branches=[{"branch_id": "B1", "branch_name": "西湖支行", "city": "杭州"}], staff=staff,
        months=[last, month], this_month=month, last_month=last, today=today, plan_month="2026-11-01",
        flows=[{"metric_time__month": month, "branch": "B1", "inflow": 10000.0, "outflow": 30000.0,
                "net_flow": -20000.0, "aum_monthly_avg": 1e6, "aum_month_end": 1.1e6, "deposit_deviation": 0.05,
                "special_customers": 1, "special_parked_amount": 50000.0}],
        churn=[], tier_moves=[], tiers=[], lifecycle=[],
        quality=[{"contact_quality_row__level": "branch", "branch": "B1", "staff": None, "customers_with_assets": 10,
                  "customers_with_usable_phone": 8, "usable_phone_share": 0.8, "aum_nobody_can_call": 20000.0}],
        contacts=[], load_today=[{"metric_time__day": today, "staff": "S1", "calls_planned": 3, "call_capacity": 2,
                                  "call_load_vs_capacity": 1.5}],
        load_month=[], call_list=calls, counter_tasks=[], special=[], risk=None)


@pytest.mark.unit
def test_the_branch_page_puts_the_overloaded_in_red_and_money_in_wan():
    from orchestration.lib.morning_page import _environment, branch_view

    view = branch_view(_fake_data(), {"branch_id": "B1", "branch_name": "西湖支行", "city": "杭州"})
    s1, s2 = view["staff"]
    assert s1["is_overloaded_today"] and not s2["is_overloaded_today"]
    assert view["kpis"]["this"]["outflow_wan"] == 3.0 and view["deviation_over_cap"]
    html = _environment().get_template("branch.html").render(
        v=view, charts={"flows": "", "churn": "", "lifecycle": ""}, generated="now", data_json="{}")
    assert '<tr class="over" data-staff="S1">' in html and '<tr data-staff="S2">' in html
    assert 'data-metric="outflow" data-month="2026-10">3.00<' in html
    assert "预警模型尚未上线" in html  # no early-warning mart yet: the panel says so
    assert not UNMASKED_MOBILE.search(html)


def test_the_risk_panel_lists_the_prevention_list_in_wan_and_the_staff_page_their_prevention_calls():
    from orchestration.lib.morning_page import _environment, branch_view

    data = _fake_data()
    data.risk = {
        "totals": [{"branch_id": "B1", "customers_at_risk": 2, "money_at_risk": 123456.0, "prevention_calls": 1}],
        "top": [{"branch_id": "B1", "prevention_rank": 1, "customer_name_masked": "赵*", "service_tier": "wealth",
                 "risk_reasons": "An open complaint", "expected_loss": 100000.0, "churn_risk_score": 0.4,
                 "is_call": True, "due_date": "2026-11-06", "suggested_action": "Assign a contact",
                 "staff_name_masked": "李**"},
                {"branch_id": "B1", "prevention_rank": 2, "customer_name_masked": "钱*", "service_tier": "mass",
                 "risk_reasons": "Salary or regular inflow stopped", "expected_loss": 23456.0,
                 "churn_risk_score": 0.2, "is_call": False, "due_date": "2026-11-06", "suggested_action": "Review",
                 "staff_name_masked": "李**"}],
        "loop": [{"branch_id": "B1", "reached": 10, "reached_churned": 1, "not_reached": 20, "not_reached_churned": 6}],
    }
    data.prevention_calls = [{"staff_id": "S2", "branch_id": "B1", "call_date": "2026-11-03", "call_order": 1,
                              "customer_name_masked": "赵*", "mobile_phone_masked": "139****0000",
                              "service_tier": "wealth", "due_date": "2026-11-06", "is_after_due_date": False,
                              "risk_reasons": "An open complaint", "suggested_action": "Assign a contact",
                              "expected_loss": 100000.0}]
    view = branch_view(data, {"branch_id": "B1", "branch_name": "西湖支行", "city": "杭州"})
    risk = view["risk"]
    assert (risk["customers_at_risk"], risk["money_at_risk_wan"], risk["prevention_calls"]) == (2, 12.35, 1)
    assert [t["expected_loss_wan"] for t in risk["top"]] == [10.0, 2.35]
    assert risk["loop"]["churn_rate_reached"] == 0.1 and risk["loop"]["churn_rate_not_reached"] == 0.3
    assert abs(risk["loop"]["observed_save_rate"] - 0.2) < 1e-12
    env = _environment()
    html = env.get_template("branch.html").render(
        v=view, charts={"flows": "", "churn": "", "lifecycle": ""}, generated="now", data_json="{}")
    assert "预警模型尚未上线" not in html
    assert re.findall(r'data-metric="money_at_risk">([^<]*)<', html) == ["12.35", "12.35"]
    assert re.findall(r'data-metric="customers_at_risk">([^<]*)<', html) == ["2", "2"]
    assert re.findall(r'data-metric="expected_loss">([^<]*)<', html) == ["10.00", "2.35"]
    assert "Observational, not causal" in html and "赵*" in html
    s1, s2 = view["staff"]
    assert s1["prevention_calls"] == [] and [c["expected_loss_wan"] for c in s2["prevention_calls"]] == [10.0]
    staff_html = env.get_template("staff.html").render(v=view, s=s2, generated="now", data_json="{}")
    assert re.findall(r'data-prevention-call="([^"]*)"', staff_html) == ["2026-11-03/1"]
    assert not UNMASKED_MOBILE.search(html + staff_html)


# --- end to end: the published pages of the generated bank in headless Chromium ------------------------------

def _serve(folder: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = socketserver.TCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _chrome(tmp_path: Path, name: str) -> list[str]:
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--no-pings", "--disable-domain-reliability",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={tmp_path / ('chrome-' + name)}", f"--log-net-log={tmp_path / (name + '.netlog.json')}",
            "--window-size=1400,2400", "--virtual-time-budget=5000"]


def _page_request_hosts(netlog: Path) -> set[str]:
    """Hosts of every request Chromium started on behalf of a page served from 127.0.0.1: the requests whose
    network isolation key is that page's site. (The browser's own update and sign-in pings carry another key;
    they are cut off by --host-resolver-rules anyway.)"""
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    hosts = set()
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] == start_job and str(params.get("network_isolation_key", "")).startswith("http://127.0.0.1"):
            hosts.add(re.match(r"^[a-z]+://([^/:]+)", params["url"]).group(1))
    return hosts


def _open(tmp_path: Path, url: str, name: str, shot: Path) -> tuple[str, set[str]]:
    """The page's DOM after Chromium rendered it, and every host the page made Chromium request."""
    dom = subprocess.run(_chrome(tmp_path, name) + ["--dump-dom", url], capture_output=True, text=True,
                         timeout=180).stdout
    hosts = _page_request_hosts(tmp_path / f"{name}.netlog.json")
    subprocess.run(_chrome(tmp_path, name + "-shot") + [f"--screenshot={shot}", url], capture_output=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 20_000, f"no screenshot of {url}"
    return dom, hosts


def _shown(dom: str, metric: str) -> list[str]:
    return re.findall(rf'data-metric="{metric}"[^>]*>([^<]*)<', dom)


def _wan(value) -> str:
    return f"{float(value) / 10000:,.2f}"


def _pct(value) -> str:
    return f"{float(value) * 100:.2f}%"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)")
def test_published_pages_show_the_marts_numbers_masked_and_offline(pipeline_run, con, tmp_path):
    landing, warehouse, _ = pipeline_run
    pages = warehouse.parent / "published" / "pages" / "current"
    branches = [r[0] for r in con.execute("SELECT branch_id FROM marts.dim_branches ORDER BY 1").fetchall()]
    assert sorted(p.name for p in pages.iterdir() if p.is_dir() and p.name != "quality") == branches  # one folder per branch (and the quality report)

    today = con.execute("SELECT min(call_date) FROM marts.fct_daily_call_list").fetchone()[0]
    month = con.execute("SELECT max(month_start) FROM marts.fct_branch_months").fetchone()[0]
    # The branch and the staff member with the most calls today.
    staff_id, branch = con.execute(
        "SELECT staff_id, branch_id FROM marts.fct_daily_call_list WHERE call_date = ? "
        "GROUP BY ALL ORDER BY count(*) DESC, staff_id LIMIT 1", [today]).fetchone()

    shots = Path(os.environ.get("BRANCH_RETENTION_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    server = _serve(pages)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        branch_dom, branch_hosts = _open(tmp_path, f"{base}/{branch}/index.html", "branch",
                                         shots / "morning_page_branch.png")
        staff_dom, staff_hosts = _open(tmp_path, f"{base}/{branch}/staff/{staff_id}.html", "staff",
                                       shots / "morning_page_staff.png")
    finally:
        server.shutdown()
        server.server_close()

    # Nothing fetched from outside the machine: every request the pages made went to the local server.
    assert branch_hosts == staff_hosts == {"127.0.0.1"}, branch_hosts | staff_hosts
    for html in pages.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), f"{html} links outside the machine"

    # The branch page: the month's money and deviation, and contact quality, as the marts have them.
    b = con.execute("SELECT inflow, outflow, net_flow, deposit_deviation, monthly_avg_aum FROM marts.fct_branch_months "
                    "WHERE branch_id = ? AND month_start = ?", [branch, month]).fetchone()
    assert _shown(branch_dom, "inflow") == [_wan(b[0])]
    assert _shown(branch_dom, "outflow") == [_wan(b[1])]
    assert _shown(branch_dom, "net_flow") == [_wan(b[2])]
    assert _shown(branch_dom, "deposit_deviation") == [_pct(b[3])]
    assert _shown(branch_dom, "aum_monthly_avg") == [_wan(b[4])]
    q = con.execute("SELECT usable_phone_share, monthly_avg_aum_unreachable, customers_with_assets - "
                    "customers_with_usable_phone FROM marts.fct_contact_quality WHERE level = 'branch' AND branch_id = ?",
                    [branch]).fetchone()
    assert _shown(branch_dom, "usable_phone_share") == [_pct(q[0])]
    assert _shown(branch_dom, "aum_nobody_can_call") == [_wan(q[1])]
    assert _shown(branch_dom, "customers_nobody_can_call") == [f"{q[2]:,}"]
    churn = dict(con.execute("SELECT churn_type, outflow FROM marts.fct_branch_churn_months WHERE branch_id = ? "
                             "AND month_start = ?", [branch, month]).fetchall())
    shown_churn = dict(re.findall(r'data-churn-type="(\w+)">.*?data-metric="churn_outflow">([^<]*)<', branch_dom, re.S))
    assert shown_churn == {k: _wan(v) for k, v in churn.items()}
    calls_today = con.execute("SELECT count(*) FROM marts.fct_daily_call_list WHERE branch_id = ? AND call_date = ?",
                              [branch, today]).fetchone()[0]
    assert _shown(branch_dom, "calls_today") == [f"{calls_today:,}"]
    assert page_data(branch_dom)["branch"]["branch_id"] == branch

    # The staff member's page: today's list in call order, load vs capacity, contacts planned/done/reached.
    calls = con.execute("SELECT call_order, customer_name_masked, mobile_phone_masked FROM marts.fct_daily_call_list "
                        "WHERE staff_id = ? AND call_date = ? ORDER BY call_order", [staff_id, today]).fetchall()
    assert [int(n) for n in re.findall(r'data-call-order="(\d+)"', staff_dom)] == [c[0] for c in calls]
    shown_calls = page_data(staff_dom)["staff"]["call_list"]
    assert [(c["call_order"], c["customer_name_masked"], c["mobile_phone_masked"]) for c in shown_calls] == calls
    w = con.execute("SELECT planned_calls, daily_capacity, utilisation FROM marts.fct_staff_daily_workload "
                    "WHERE staff_id = ? AND work_date = ?", [staff_id, today]).fetchone()
    assert _shown(staff_dom, "calls_planned") == [f"{w[0]:,}"] and _shown(staff_dom, "call_capacity") == [f"{w[1]:,}"]
    assert _shown(staff_dom, "call_load_vs_capacity") == [_pct(w[2])]
    p = con.execute("SELECT planned_contacts, contacts_made, contacts_reached FROM marts.fct_contact_plan "
                    "WHERE staff_id = ? AND month_start = ?", [staff_id, month]).fetchone()
    assert (_shown(staff_dom, "contacts_planned"), _shown(staff_dom, "contacts_done"),
            _shown(staff_dom, "contacts_reached")) == tuple([f"{v or 0:,}"] for v in p)

    # The risk panel (流失预警): the plan month's prevention list of the branch, as fct_prevention_flags has it.
    plan_month = con.execute("SELECT min(month_start) FROM marts.fct_contact_plan WHERE is_plan_month").fetchone()[0]
    at_risk, money = con.execute("SELECT count(*), coalesce(sum(expected_loss), 0) FROM marts.fct_prevention_flags "
                                 "WHERE branch_id = ? AND month_start = ?", [branch, plan_month]).fetchone()
    assert at_risk > 0  # the generated bank has customers on the list: the panel is not empty
    assert _shown(branch_dom, "customers_at_risk") == [f"{at_risk:,}"] * 2
    assert _shown(branch_dom, "money_at_risk") == [_wan(money)] * 2
    top = con.execute("SELECT c.customer_name_masked, f.expected_loss FROM marts.fct_prevention_flags AS f "
                      "JOIN marts.dim_customers AS c USING (customer_id) WHERE f.branch_id = ? AND f.month_start = ? "
                      "ORDER BY f.expected_loss DESC, f.customer_id LIMIT 10", [branch, plan_month]).fetchall()
    shown_top = page_data(branch_dom)["risk"]["top"]
    assert [(t["customer_name_masked"], t["expected_loss"]) for t in shown_top] == [(n, float(v)) for n, v in top]
    assert _shown(branch_dom, "expected_loss") == [_wan(v) for _, v in top]
    # Each staff page lists that person's prevention calls of the plan month, as the call list has them.
    for person in pages.joinpath(branch, "staff").glob("*.html"):
        shown = page_data(person.read_text(encoding="utf-8"))["staff"]["prevention_calls"]
        want = con.execute("SELECT call_date, call_order, customer_name_masked, expected_loss FROM marts.fct_daily_call_list "
                           "WHERE staff_id = ? AND contact_reason = 'prevention' ORDER BY call_date, call_order",
                           [person.stem]).fetchall()
        assert [(c["call_date"], c["call_order"], c["customer_name_masked"], c["expected_loss"]) for c in shown] == [
            (str(d), o, n, float(v)) for d, o, n, v in want]

    # Masked only: no mobile number in the clear on any page, and no raw name or phone of the extract.
    import csv

    with (landing / "customers" / "customers.csv").open(encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    everything = "\n".join(h.read_text(encoding="utf-8") for h in pages.rglob("*.html"))
    assert not UNMASKED_MOBILE.search(everything)
    for row in raw[:300]:
        digits = re.sub(r"\D", "", row.get("mobile_phone") or "")
        if len(digits) >= 11:
            assert digits[-11:] not in everything
        name = (row.get("customer_name") or "").strip()
        if len(name) >= 2:
            assert f">{name}<" not in everything
