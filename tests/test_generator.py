"""Tests of the sample-bank generator: determinism, the raw contract, the balance chain, that every planted
label follows from docs/rules.md's default rules (recomputed here independently with pandas), and that the
mess it plants by default is there at its rates, listed in its ground truth, and leaves the labels alone.

The rule tests read the clean bank (mess_rate=0), which is what the generator wrote before mess existed;
the mess tests show the default bank is that bank plus the listed mess, with every planted customer's rows
and labels unchanged, and that ingestion quarantines exactly what the mess list says."""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.lib import contract  # noqa: E402
from orchestration.lib.sample_bank import (  # noqa: E402
    CLEAN_OUTPUT_TABLES,
    GROUND_TRUTH_DIR,
    OWN_BANK_CODE,
    generate_bank,
)
from orchestration.lib.sample_bank.mess import (  # noqa: E402
    DEFAULT_MESS,
    NO_MESS,
    PLACEHOLDERS,
    RESENT_CLEAR_DAYS,
    MessRates,
)
from orchestration.lib.vocabulary import churn_types_by_precedence, seed_rows, seed_values  # noqa: E402

N_CUSTOMERS, N_MONTHS = 2000, 12
FLOORS = [(6_000_000, 4), (500_000, 3), (50_000, 2)]  # docs/rules.md section 3 defaults, tier index
# tier names by rank (index = tier_rank), from the tier_roles seed
TIER_NAMES = [r["tier"] for r in sorted(seed_rows("tier_roles"), key=lambda r: int(r["tier_rank"]))]
# docs/rules.md section 5's example keywords, plus 医院 for the medical category
CONSUMPTION_WORDS = ("购房", "首付", "房款", "置业", "汽车", "4S", "学费", "留学", "装修", "货款", "医院")


def read(root: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(root / table / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def cents(s: pd.Series) -> pd.Series:
    return s.str.replace(".", "", regex=False).astype("int64")


def digest(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def bank(tmp_path_factory):
    """The clean bank: the rule tests recompute every label from it."""
    root = tmp_path_factory.mktemp("bank_csv")
    info = generate_bank(root, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7, mess_rate=0)
    tables = {t: read(root, t) for t in CLEAN_OUTPUT_TABLES}
    return root, info, tables


@pytest.fixture(scope="session")
def measured(bank):
    """Daily AUM per customer, monthly average / month-end AUM and measured tier (docs/rules.md sections 3-4)."""
    root, info, t = bank
    acc = t["accounts"].copy()
    tx = t["transactions"].copy()
    start = pd.Timestamp(info["window"]["start"])
    end = pd.Timestamp(info["window"]["end"])
    days = pd.date_range(start, end, freq="D")
    tx["ts"] = pd.to_datetime(tx["txn_ts"])
    tx["bal"] = cents(tx["balance_after"]) / 100
    tx = tx.sort_values(["account_id", "ts", "txn_id"])
    tx["day"] = tx["ts"].dt.normalize()
    last = tx.groupby(["account_id", "day"])["bal"].last().unstack("day").reindex(columns=days)
    last = last.reindex(acc["account_id"]).ffill(axis=1)
    acc = acc.set_index("account_id")
    opening = cents(acc["opening_balance"]) / 100
    grid = last.apply(lambda col: col.fillna(opening))
    opened = pd.to_datetime(acc["opened_date"])
    closed = pd.to_datetime(acc["closed_date"])
    dd = np.array(days.values)[None, :]
    live = (opened.values[:, None] <= dd) & ~(closed.notna().values[:, None] & (closed.values[:, None] <= dd))
    grid = grid.where(live, 0.0)
    aum_acc = grid[acc["product_type"] != "loan"]
    daily = aum_acc.groupby(acc.loc[aum_acc.index, "customer_id"]).sum()
    daily = daily.reindex(t["customers"]["customer_id"], fill_value=0.0)
    month = days.to_period("M")
    avg = daily.T.groupby(month).mean().T
    month_end = daily.T.groupby(month).last().T
    tier = pd.DataFrame(np.select([avg >= f for f, _ in FLOORS], [k for _, k in FLOORS], np.where(avg > 0, 1, 0)),
                        index=avg.index, columns=avg.columns)
    return {"daily": daily, "avg": avg, "month_end": month_end, "tier": tier, "months": list(avg.columns),
            "acc": acc.reset_index(), "tx": tx, "start": start, "end": end}


def churn_events(m: dict) -> pd.DataFrame:
    """Qualifying months (tier drop, month-end fall >= 30 % and >= 50k, last account closed) grouped in runs."""
    tier, me, months = m["tier"], m["month_end"], m["months"]
    acc = m["acc"].copy()
    acc["closed"] = pd.to_datetime(acc["closed_date"]).dt.to_period("M")
    n_acc = acc.groupby("customer_id").size()
    last_close = acc.groupby("customer_id")["closed"].max()
    all_closed = acc.groupby("customer_id")["closed"].count() == n_acc
    q = pd.DataFrame(False, index=tier.index, columns=months)
    for i in range(1, len(months)):
        drop = tier.iloc[:, i] < tier.iloc[:, i - 1]
        prev, cur = me.iloc[:, i - 1], me.iloc[:, i]
        fall = (prev - cur >= 0.3 * prev) & (prev - cur >= 50_000)
        closed = (all_closed.reindex(tier.index, fill_value=False)
                  & (last_close.reindex(tier.index) == months[i]))
        q.iloc[:, i] = drop | fall | closed
    rows = []
    for cid, r in q.iterrows():
        v = r.values
        for i in range(1, len(v)):
            if v[i] and not v[i - 1]:
                j = i
                while j + 1 < len(v) and v[j + 1]:
                    j += 1
                rows.append((cid, months[i], months[j]))
    return pd.DataFrame(rows, columns=["customer_id", "first", "last"])


# ------------------------------------------------------------------------------------------------- determinism


@pytest.mark.unit
def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_bank(a, n_customers=1500, n_months=8, seed=3, chunk_size=600)
    generate_bank(b, n_customers=1500, n_months=8, seed=3, chunk_size=600)
    generate_bank(c, n_customers=1500, n_months=8, seed=4, chunk_size=600)
    da, db, dc = digest(a), digest(b), digest(c)
    assert da == db
    assert set(da) == set(dc)
    assert da["transactions/transactions.csv"] != dc["transactions/transactions.csv"]
    assert da["customers/customers.csv"] != dc["customers/customers.csv"]
    # several chunks: keys stay unique and the chain holds across chunk boundaries
    tx = read(a, "transactions")
    assert tx["txn_id"].is_unique and read(a, "accounts")["account_id"].is_unique
    assert read(a, "contact_logs")["contact_id"].is_unique


@pytest.mark.unit
@pytest.mark.parametrize("n_months, end", [(2, None), (7, date(2026, 3, 15))])
def test_short_and_partial_windows(tmp_path, n_months, end):
    info = generate_bank(tmp_path, n_customers=400, n_months=n_months, seed=5, end_date=end)
    tx = read(tmp_path, "transactions")
    assert tx["txn_id"].is_unique and info["checks"]["planted_accounts_topped_up"] == 0
    last = (end or date(2026, 10, 31)).isoformat()
    assert tx["txn_ts"].str[:10].max() <= last
    life = pd.read_csv(tmp_path / GROUND_TRUTH_DIR / "lifecycle.csv", dtype=str)
    assert (life["month"] < last[:7]).all() or end is None


# ------------------------------------------------------------------------------------------------- contract


def test_tables_follow_the_contract(bank):
    root, info, t = bank
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(CLEAN_OUTPUT_TABLES + [GROUND_TRUTH_DIR])
    for name in CLEAN_OUTPUT_TABLES:
        spec = contract.TABLES[name]
        df = t[name]
        header = (root / name / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.replace('"', "").split(",") == spec.column_names
        assert len(df) == info["tables"][name]
        assert not df.duplicated(list(spec.primary_key)).any(), name
        for col in spec.columns:
            s = df[col.name]
            if not col.nullable:
                assert s.notna().all(), (name, col.name)
            if col.codes:
                assert set(s.dropna()) <= set(col.codes), (name, col.name)
            if col.references:
                ptable, pcol = col.references.split(".")
                assert set(s.dropna()) <= set(t[ptable][pcol]), (name, col.name)
            if col.positive:
                assert (pd.to_numeric(s.dropna()) > 0).all(), (name, col.name)
            v = s.dropna()
            if col.type == contract.DATE:
                assert v.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), (name, col.name)
            if col.type == contract.TIMESTAMP:
                assert v.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all(), (name, col.name)
            if col.type == contract.MONEY:
                assert v.str.fullmatch(r"-?\d+\.\d{2}").all(), (name, col.name)
    assert info["tables"]["transactions"] > 0 and info["tables"]["withdrawal_registrations"] > 0


def test_values_are_realistic(bank):
    root, info, t = bank
    cust, acc, tx, staff = t["customers"], t["accounts"], t["transactions"], t["staff"]
    # ID numbers: 18 characters, ISO 7064 check character, birth date and gender inside
    ids = cust.dropna(subset=["id_number"])
    digits = np.array([[int(ch) for ch in s[:17]] for s in ids["id_number"]])
    w = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits @ w) % 11]
    assert (check == ids["id_number"].str[17].values).all()
    assert (ids["id_number"].str[6:14] == ids["birth_date"].str.replace("-", "")).all()
    assert ((digits[:, 16] % 2 == 1) == (ids["gender"] == "M").values).all()
    mobile = cust["mobile_phone"]
    assert 0.05 < mobile.isna().mean() < 0.11
    bad = mobile.notna() & ~mobile.fillna("").str.fullmatch(r"1[3-9]\d{9}")
    assert 0.015 < bad.mean() < 0.05
    normalisable = mobile.fillna("").str.replace(r"^\+86|[ -]", "", regex=True).str.fullmatch(r"1[3-9]\d{9}")
    assert (bad & normalisable).any() and (bad & ~normalisable).any()
    # every product type, prospects without accounts, closed and new accounts, every role in each branch
    assert set(acc["product_type"]) == set(contract.PRODUCT_TYPES)
    assert 0.03 < 1 - cust["customer_id"].isin(acc["customer_id"]).mean() < 0.1
    start = info["window"]["start"]
    assert (acc["closed_date"].fillna("") >= start).sum() > 20 and (acc["opened_date"] >= start).sum() > 20
    assert (staff.groupby("branch_id")["role"].nunique() == 4).all()
    assert staff["left_date"].notna().any() and staff["daily_capacity"].notna().any()
    assert staff["daily_capacity"].isna().mean() > 0.5
    assert set(cust["relationship_manager_id"].dropna()) <= set(staff["staff_id"])
    # transactions: every type, 5-10 per funded customer-month, mostly in business hours
    assert set(tx["txn_type"]) == set(contract.TXN_TYPES)
    funded = acc["customer_id"].nunique()
    per = len(tx) / funded / N_MONTHS
    assert 4 < per < 12, per
    hour = tx["txn_ts"].str[11:13].astype(int)
    assert ((hour >= 8) & (hour < 18)).mean() > 0.5
    assert tx.loc[tx["txn_type"] == "interest", "channel"].isna().all()
    assert (tx["counterparty_bank"] == OWN_BANK_CODE).any()
    bills = tx["memo"].isin(["水费", "电费", "燃气费", "物业费"]).sum()
    assert bills > 100 and tx["memo"].isin(["代发工资"]).sum() > 100
    assert tx["counterparty_bank"].isin(["华泰证券", "中信证券", "天弘基金", "易方达基金"]).any()
    assert (cents(t["withdrawal_registrations"]["amount"]) >= 5_000_000).all()


def test_balance_chain_is_exact(bank):
    root, info, t = bank
    tx = t["transactions"].sort_values(["account_id", "txn_ts", "txn_id"]).reset_index(drop=True)
    acc = t["accounts"].set_index("account_id")
    amount, bal = cents(tx["amount"]), cents(tx["balance_after"])
    prev = bal.groupby(tx["account_id"]).shift(1)
    first = prev.isna()
    prev = prev.where(~first, cents(acc.loc[tx["account_id"], "opening_balance"]).values)
    expected = prev + np.where(tx["direction"] == "credit", amount, -amount)
    assert (expected == bal).all()
    assert (amount > 0).all()
    kind = acc.loc[tx["account_id"], "product_type"].values
    assert (bal[kind != "loan"] >= 0).all() and (bal >= 0).all()
    assert (cents(acc["opening_balance"]) >= 0).all()
    assert info["checks"]["planted_accounts_topped_up"] == 0
    # nothing before an account opens or after it closes, nothing outside the window
    a = acc.loc[tx["account_id"]]
    day = tx["txn_ts"].str[:10].values
    assert (day >= a["opened_date"].values).all()
    assert (a["closed_date"].isna().values | (day <= a["closed_date"].fillna("9999").values)).all()
    assert (day >= info["window"]["start"]).all() and (day <= info["window"]["end"]).all()


# ------------------------------------------------------------------------------------------------- ground truth


def test_ground_truth_covers_every_label(bank):
    root, info, t = bank
    gt = root / GROUND_TRUTH_DIR
    churn = pd.read_csv(gt / "churn_events.csv", dtype=str)
    life = pd.read_csv(gt / "lifecycle.csv", dtype=str)
    tier = pd.read_csv(gt / "tier_moves.csv", dtype=str)
    assert list(churn.columns) == ["customer_id", "event_month", "churn_type", "stated_purpose_mismatch"]
    assert list(life.columns) == ["customer_id", "month", "stage"]
    assert list(tier.columns) == ["customer_id", "month", "movement", "tier_before", "tier_after"]
    counts = churn.groupby("churn_type")["customer_id"].nunique()
    for kind in set(seed_values("churn_types", "churn_type")) - {"unclassified"}:
        assert counts.get(kind, 0) >= 20, kind
    mism = churn[churn["stated_purpose_mismatch"] == "true"]
    assert len(mism) >= 20 and set(mism["churn_type"]) == {"product", "service"}
    stages = life.groupby("stage")["customer_id"].nunique()
    for stage in seed_values("lifecycle_stages", "lifecycle_stage"):
        assert stages.get(stage, 0) >= 20, stage
    moves = tier.groupby("movement")["customer_id"].nunique()
    for mv in set(seed_values("tier_movements", "tier_movement")) - {"inactive"}:  # inactive is not planted
        assert moves.get(mv, 0) >= 5, mv
    assert (churn["event_month"].str.fullmatch(r"\d{4}-\d{2}-01")).all()
    assert set(churn["customer_id"]) <= set(t["customers"]["customer_id"])
    assert not (root / "churn_events").exists()


def test_planted_tier_moves_follow_the_rules(bank, measured):
    root, info, t = bank
    tier = measured["tier"]
    months = [str(p) for p in measured["months"]]
    gt = pd.read_csv(root / GROUND_TRUTH_DIR / "tier_moves.csv", dtype=str)
    for row in gt.itertuples():
        i = months.index(row.month[:7])
        before, after = tier.loc[row.customer_id].iloc[i - 1], tier.loc[row.customer_id].iloc[i]
        assert TIER_NAMES[before] == row.tier_before and TIER_NAMES[after] == row.tier_after, row
        mv = ("new" if before == 0 and after > 0 else "lost" if after == 0 and before > 0 else
              "upgrade" if after > before else "downgrade" if after < before else "stable")
        assert mv == row.movement, row


def test_planted_churn_events_qualify_exactly(bank, measured):
    """Each planted customer has exactly the planted events; non-churn plants have none."""
    root, info, t = bank
    ev = churn_events(measured)
    ev["month"] = ev["first"].astype(str) + "-01"
    gt = pd.read_csv(root / GROUND_TRUTH_DIR / "churn_events.csv", dtype=str)
    plants = pd.read_csv(root / GROUND_TRUTH_DIR / "plants.csv", dtype=str)
    planted = set(plants["customer_id"])
    got = set(map(tuple, ev.loc[ev["customer_id"].isin(planted), ["customer_id", "month"]].values))
    want = set(map(tuple, gt[["customer_id", "event_month"]].values))
    assert got == want


def test_planted_churn_types_follow_the_signals(bank, measured):
    """Recompute the section 5 signals for each planted event and apply the precedence."""
    root, info, t = bank
    gt = pd.read_csv(root / GROUND_TRUTH_DIR / "churn_events.csv", dtype=str)
    tx = measured["tx"].merge(t["accounts"][["account_id", "customer_id"]], on="account_id")
    tx = tx[tx["customer_id"].isin(set(gt["customer_id"]))].copy()
    tx["amt"] = cents(tx["amount"]) / 100
    text = tx["memo"].fillna("") + "|" + tx["counterparty_name"].fillna("")
    tx["consumption"] = text.str.contains("|".join(CONSUMPTION_WORDS), regex=True)
    tx["outflow"] = (tx["direction"] == "debit") & (tx["counterparty_bank"] != OWN_BANK_CODE) & ~tx["txn_type"].isin(
        ["fee", "loan_repayment", "maturity_payout", "product_purchase"])
    tx["elsewhere"] = tx["outflow"] & tx["counterparty_bank"].notna()
    comp = t["complaints"].assign(ts=lambda d: pd.to_datetime(d["created_ts"]))
    cont = t["contact_logs"].query("outcome == 'reached'").assign(ts=lambda d: pd.to_datetime(d["contact_ts"]))
    regs = t["withdrawal_registrations"]
    who = set(gt["customer_id"])
    tx_by = dict(tuple(tx[tx["customer_id"].isin(who)].groupby("customer_id")))
    comp_by = dict(tuple(comp[comp["customer_id"].isin(who)].groupby("customer_id")))
    cont_by = dict(tuple(cont[cont["customer_id"].isin(who)].groupby("customer_id")))
    empty = comp.iloc[:0]
    months = measured["months"]
    tier = measured["tier"]
    ev = churn_events(measured).assign(month=lambda d: d["first"].astype(str) + "-01").set_index(
        ["customer_id", "month"])
    for row in gt.itertuples():
        first = pd.Period(row.event_month[:7], "M")
        last = ev.loc[(row.customer_id, row.event_month), "last"]
        lo, hi = (first - 1).start_time, last.end_time
        x = tx_by[row.customer_id]
        x = x[(x["ts"] >= lo) & (x["ts"] <= hi)]
        signals = set()
        # special: >= 1,000,000 in within 5 days before a month end, >= 80 % out within 5 days after
        for inflow in x[(x["direction"] == "credit") & (x["amt"] >= 1_000_000)].itertuples():
            me = inflow.ts.to_period("M").end_time.normalize()
            if me - inflow.ts.normalize() <= pd.Timedelta(days=5):
                after = x[x["outflow"] & (x["ts"] > me) & (x["ts"] <= me + pd.Timedelta(days=6))]
                if after["amt"].sum() >= 0.8 * inflow.amt:
                    signals.add("special")
        if (x["outflow"] & x["consumption"]).any():
            signals.add("consumption")
        for pay in x[x["txn_type"].isin(["maturity_payout", "product_redemption"]) & (x["direction"] == "credit")
                     & (x["counterparty_bank"] == OWN_BANK_CODE)].itertuples():
            near = x[x["elsewhere"] & (x["ts"] > pay.ts) & (x["ts"] <= pay.ts + pd.Timedelta(days=7))]
            if len(near):
                signals.add("product")
        i = months.index(first)
        prior = TIER_NAMES[tier.loc[row.customer_id].iloc[i - 1]]
        if prior in ("mass", "affluent"):
            start = first.start_time
            c = comp_by.get(row.customer_id, empty)
            c = c[(c["ts"] < start) & (c["ts"] >= start - pd.Timedelta(days=90))]
            r = cont_by.get(row.customer_id, cont.iloc[:0])
            r = r[r["ts"] < start]
            gap = 2 * (30 if prior == "affluent" else 90)
            stale = r.empty or (start - r["ts"].max()).days > gap
            if len(c) or stale:
                signals.add("service")
        primary = next((k for k in churn_types_by_precedence() if k in signals), "unclassified")
        assert primary == row.churn_type, (row, signals)
        # stated-purpose mismatch: a consumption purpose, but the money went to another bank or firm
        reg = regs[(regs["customer_id"] == row.customer_id) & regs["stated_purpose"].isin(
            ["house", "car", "education", "medical", "business"])]
        mismatch = len(reg) > 0 and not (x["outflow"] & x["consumption"]).any() and x["elsewhere"].any()
        assert mismatch == (row.stated_purpose_mismatch == "true"), row


def test_planted_lifecycle_stages_follow_the_rules(bank, measured):
    root, info, t = bank
    gt = pd.read_csv(root / GROUND_TRUTH_DIR / "lifecycle.csv", dtype=str)
    avg, me, months = measured["avg"], measured["month_end"], measured["months"]
    acc = measured["acc"].copy()
    tx = measured["tx"].merge(acc[["account_id", "customer_id"]], on="account_id")
    daily = measured["daily"]
    # first funded day: an account opened with money before the window, else the first day with AUM
    pre = acc[(cents(acc["opening_balance"]) > 0) & (acc["product_type"] != "loan")]
    first_pre = pd.to_datetime(pre.groupby("customer_id")["opened_date"].min())
    first_in = (daily > 0).idxmax(axis=1).where((daily > 0).any(axis=1))
    first_funded = first_pre.reindex(daily.index).fillna(pd.to_datetime(first_in))
    ci = tx[~tx["txn_type"].isin(["interest", "fee", "maturity_payout"])]
    ci_month = ci.groupby(["customer_id", ci["ts"].dt.to_period("M")]).size().unstack(fill_value=0)
    ci_month = ci_month.reindex(index=daily.index, columns=months, fill_value=0)
    acc["closed"] = pd.to_datetime(acc["closed_date"])
    acc_by = dict(tuple(acc[acc["customer_id"].isin(set(gt["customer_id"]))].groupby("customer_id")))
    avg_np, me_np, ci_np = avg.to_numpy(), me.to_numpy(), ci_month.to_numpy()
    row_of = {c: k for k, c in enumerate(avg.index)}
    for row in gt.itertuples():
        c = row.customer_id
        i = months.index(pd.Period(row.month[:7], "M"))
        m_end = months[i].end_time.normalize()
        a = acc_by.get(c, acc.iloc[:0])
        ff = first_funded.get(c)
        funded = pd.notna(ff) and ff <= m_end
        cl = a["closed"]
        all_closed = len(a) > 0 and cl.notna().all() and (cl <= m_end).all()
        k = row_of[c]
        cim = ci_np[k]
        quiet6 = cim[max(0, i - 5): i + 1].sum() == 0 and i >= 5
        a_avg = avg_np[k]
        trend = a_avg[i] / a_avg[i - 3] - 1 if i >= 3 and a_avg[i - 3] > 0 else None
        recent = cim[max(0, i - 2): i + 1].sum()
        before = cim[max(0, i - 5): max(0, i - 2)].sum() if i >= 5 else 0
        if funded and (all_closed or (me_np[k, i] == 0 and quiet6)):
            stage = "termination"
        elif not funded:
            stage = "potential"
        elif (m_end - ff).days < 183:
            stage = "development"
        elif (a_avg[i] <= 0.7 * a_avg[max(0, i - 11): i + 1].max()
              or (trend is not None and trend <= -0.2) or (before >= 6 and recent <= before / 2)):
            stage = "decline"
        elif trend is not None and trend >= 0.1:
            stage = "growth"
        else:
            stage = "maturity"
        assert stage == row.stage, (row, trend)


# ------------------------------------------------------------------------------------------------- warning signs

# docs/rules.md section 10 defaults (dbt vars risk_*), recomputed here independently of the dbt model
RISK_HORIZON_MONTHS, RISK_REGISTRATION_DAYS_BACK, RISK_MOVING_OUT_SHARE = 3, 30, 0.10
MIN_SIGNAL_OUTFLOW, PRODUCT_DAYS_AFTER_MATURITY = 10_000, 7
CONTACTS_PER_MONTH = {r["tier"]: float(r["contacts_per_month"]) for r in seed_rows("tier_roles")}


def _sign_checks(t: dict, m: dict):
    """sign -> function(customer_id, month Period) -> is the sign visible at that month's end."""
    def end_of(p):
        return p.end_time.normalize()

    comp = t["complaints"].assign(created=lambda d: pd.to_datetime(d["created_ts"]).dt.normalize(),
                                  resolved=lambda d: pd.to_datetime(d["resolved_ts"]).dt.normalize())
    regs = t["withdrawal_registrations"].assign(registered=lambda d: pd.to_datetime(d["registered_ts"]).dt.normalize(),
                                                planned=lambda d: pd.to_datetime(d["planned_date"]))
    reached = t["contact_logs"].query("outcome == 'reached'").assign(
        day=lambda d: pd.to_datetime(d["contact_ts"]).dt.normalize())
    tx = m["tx"].merge(t["accounts"][["account_id", "customer_id"]], on="account_id")
    tx["amt"] = cents(tx["amount"]) / 100
    tx["month"] = tx["ts"].dt.to_period("M")
    salary_months = tx[(tx["txn_type"] == "salary") & (tx["direction"] == "credit")].groupby("customer_id")[
        "month"].agg(set)
    leaving = tx[(tx["direction"] == "debit") & tx["counterparty_bank"].notna()
                 & (tx["counterparty_bank"] != OWN_BANK_CODE) & (tx["txn_type"] == "transfer_out")]
    acc = t["accounts"].assign(maturity=lambda d: pd.to_datetime(d["maturity_date"]),
                               opened=lambda d: pd.to_datetime(d["opened_date"]),
                               closed=lambda d: pd.to_datetime(d["closed_date"]))
    products = acc[acc["product_type"].isin(["time_deposit", "wealth_product"]) & acc["maturity"].notna()]
    months = m["months"]

    def open_complaint(c, p):
        x = comp[comp["customer_id"] == c]
        return bool(((x["created"] <= end_of(p)) & (x["resolved"].isna() | (x["resolved"] > end_of(p)))).any())

    def withdrawal_registration(c, p):
        x = regs[regs["customer_id"] == c]
        return bool(((x["registered"] <= end_of(p))
                     & (x["planned"] >= end_of(p) - pd.Timedelta(days=RISK_REGISTRATION_DAYS_BACK))).any())

    def salary_stopped(c, p):
        had = salary_months.get(c, set())
        return p not in had and sum((p - k) in had for k in range(1, 4)) >= 2

    def moving_out(c, p):
        out = leaving.loc[(leaving["customer_id"] == c) & (leaving["month"] == p), "amt"].sum()
        return out >= MIN_SIGNAL_OUTFLOW and out >= RISK_MOVING_OUT_SHARE * m["avg"].loc[c, p]

    def no_contact(c, p):
        tier = TIER_NAMES[m["tier"].loc[c, p]]
        cadence = 365.25 / 12 / CONTACTS_PER_MONTH[tier]
        days = reached.loc[(reached["customer_id"] == c) & (reached["day"] <= end_of(p)), "day"]
        return days.empty or (end_of(p) - days.max()).days > cadence

    def maturity_after_leak(c, p):
        e = end_of(p)
        own = products[products["customer_id"] == c]
        ahead = own[(own["opened"] <= e) & (own["closed"].isna() | (own["closed"] > e)) & (own["maturity"] > e)
                    & (own["maturity"] <= (p + RISK_HORIZON_MONTHS).end_time.normalize())]
        out = leaving[(leaving["customer_id"] == c) & (leaving["amt"] >= MIN_SIGNAL_OUTFLOW)
                      & (leaving["ts"].dt.normalize() <= e)]
        left = any(((out["ts"].dt.normalize() >= d) & (out["ts"].dt.normalize()
                    <= d + pd.Timedelta(days=PRODUCT_DAYS_AFTER_MATURITY))).any() for d in own["maturity"])
        return len(ahead) > 0 and left

    assert months == sorted(months)
    return {"open_complaint": open_complaint, "withdrawal_registration": withdrawal_registration,
            "salary_stopped": salary_stopped, "moving_out": moving_out, "no_contact": no_contact,
            "maturity_after_leak": maturity_after_leak}


def test_planted_warning_signs_show_at_their_month_end(bank, measured):
    """Each sign in warning_signs.csv is visible at the end of its month under the default rules, and (for
    those with a clear start) not at the end of the month before; churners' signs come before their event."""
    root, info, t = bank
    signs = pd.read_csv(root / GROUND_TRUTH_DIR / "warning_signs.csv", dtype=str)
    assert list(signs.columns) == ["customer_id", "month", "sign", "churns"]
    assert set(signs["sign"]) <= set(seed_values("risk_reasons", "reason_code"))
    checks = _sign_checks(t, measured)
    assert set(signs["sign"]) == set(checks)
    first_month = measured["months"][0]
    for row in signs.itertuples():
        p = pd.Period(row.month[:7], "M")
        assert checks[row.sign](row.customer_id, p), row
        if row.sign in ("open_complaint", "withdrawal_registration", "salary_stopped", "moving_out") and p > first_month:
            assert not checks[row.sign](row.customer_id, p - 1), row
    churn = pd.read_csv(root / GROUND_TRUTH_DIR / "churn_events.csv", dtype=str)
    first_event = churn.groupby("customer_id")["event_month"].min()
    churners = signs[signs["churns"] == "true"]
    assert set(churners["customer_id"]) <= set(first_event.index)
    event = first_event.reindex(churners["customer_id"]).values
    # a registration may be taken in the event's own month (8-25 days before the money leaves); the rest come earlier
    ahead = churners["sign"] == "withdrawal_registration"
    assert (churners["month"].values[~ahead.values] < event[~ahead.values]).all()
    assert (churners["month"].values <= event).all()


def test_look_alikes_show_the_signs_and_stay(bank):
    """The look-alikes carry the same signs as churners (each at least one, every kind of sign there), and no
    churn event: a perfect score is impossible."""
    root, info, t = bank
    gt = root / GROUND_TRUTH_DIR
    plants = pd.read_csv(gt / "plants.csv", dtype=str)
    signs = pd.read_csv(gt / "warning_signs.csv", dtype=str)
    churn = pd.read_csv(gt / "churn_events.csv", dtype=str)
    look = plants.loc[plants["plant"] == "risk_lookalike", "customer_id"]
    assert len(look) >= 40 and set(plants.loc[plants["plant"] == "risk_lookalike", "variant"]) == {
        "product_signs", "service_signs"}
    assert not set(look) & set(churn["customer_id"])
    stayers = signs[signs["churns"] == "false"]
    assert set(stayers["customer_id"]) == set(look)
    churners = signs[signs["churns"] == "true"]
    assert set(stayers["sign"]) == set(churners["sign"])
    # about as many look-alikes with each of the strongest signs as churners with it
    for sign in ("maturity_after_leak", "open_complaint", "salary_stopped"):
        n_stay, n_churn = (stayers["sign"] == sign).sum(), (churners["sign"] == sign).sum()
        assert n_stay >= 0.3 * n_churn and n_churn >= 0.3 * n_stay, (sign, n_stay, n_churn)


# ------------------------------------------------------------------------------------------------- parquet


def test_parquet_matches_csv(bank, tmp_path):
    root, info, t = bank
    info_pq = generate_bank(tmp_path / "pq", n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7, fmt="parquet",
                            mess_rate=0)
    assert info_pq["tables"] == info["tables"]
    for name in CLEAN_OUTPUT_TABLES:
        table = pq.read_table(tmp_path / "pq" / name / f"{name}.parquet")
        assert table.column_names == contract.TABLES[name].column_names
        df = table.to_pandas()
        csv = t[name]
        for col in contract.TABLES[name].columns:
            s = df[col.name]
            if col.type == contract.TIMESTAMP:
                s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
            elif col.type == contract.DATE:
                s = s.map(lambda d: d.isoformat() if d is not None and d == d else None)
            elif col.type == contract.MONEY:
                s = s.map(lambda d: f"{d:.2f}" if d is not None else None)
            elif col.type == contract.DECIMAL:
                s = s.map(lambda d: f"{d:.6f}" if d is not None else None)
            elif col.type == contract.INTEGER:
                s = s.map(lambda d: str(int(d)) if d == d and d is not None else None)
            left = s.astype(object).where(s.notna(), None).tolist()
            right = csv[col.name].astype(object).where(csv[col.name].notna(), None).tolist()
            assert left == right, (name, col.name)
    for f in ("churn_events", "lifecycle", "tier_moves", "warning_signs"):
        assert (tmp_path / "pq" / GROUND_TRUTH_DIR / f"{f}.csv").read_bytes() == (
            root / GROUND_TRUTH_DIR / f"{f}.csv").read_bytes()


# ------------------------------------------------------------------------------------------------- mess


def read_all(root: Path, table: str) -> pd.DataFrame:
    """The main file and the second file of the same delivery (<table>.resent.csv), in load order."""
    frames = [read(root, table)]
    resent = root / table / f"{table}.resent.csv"
    if resent.exists():
        frames.append(pd.read_csv(resent, dtype=str, keep_default_na=False, na_values=[""]))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def messy(tmp_path_factory):
    """The default bank: the clean one plus the mess, at the default rates."""
    root = tmp_path_factory.mktemp("bank_messy")
    info = generate_bank(root, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7)
    mess = pd.read_csv(root / GROUND_TRUTH_DIR / "mess.csv", dtype=str, keep_default_na=False)
    return root, info, mess


def test_mess_off_writes_the_clean_bank(bank, tmp_path):
    root, info, _ = bank
    assert not list(root.rglob("*.resent.csv")) and not (root / "fx_rates").exists()
    assert not (root / GROUND_TRUTH_DIR / "mess.csv").exists() and "mess" not in info
    generate_bank(tmp_path, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7, mess=NO_MESS)
    assert digest(tmp_path) == digest(root)
    # over a messy bank's folder, nothing of the mess is left behind
    generate_bank(tmp_path, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7)
    generate_bank(tmp_path, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7, mess_rate=0)
    assert digest(tmp_path) == digest(root)


def test_mess_is_deterministic(messy, tmp_path):
    root, info, _ = messy
    again = generate_bank(tmp_path, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7)
    assert digest(tmp_path) == digest(root)
    assert {k: v for k, v in again.items() if k != "files"} == {k: v for k, v in info.items() if k != "files"}


def test_mess_leaves_planted_customers_and_their_labels_alone(bank, messy):
    clean_root, _, clean = bank
    root, _, mess = messy
    for name in ("churn_events", "lifecycle", "tier_moves", "plants", "warning_signs"):
        assert (root / GROUND_TRUTH_DIR / f"{name}.csv").read_bytes() == (
            clean_root / GROUND_TRUTH_DIR / f"{name}.csv").read_bytes(), name
    planted = set(pd.read_csv(root / GROUND_TRUTH_DIR / "plants.csv", dtype=str)["customer_id"])
    accounts = read(root, "accounts")
    planted_accounts = set(accounts.loc[accounts["customer_id"].isin(planted), "account_id"])
    assert planted_accounts == set(clean["accounts"].loc[clean["accounts"]["customer_id"].isin(planted), "account_id"])
    for table, column, keys in (("customers", "customer_id", planted), ("accounts", "customer_id", planted),
                                ("transactions", "account_id", planted_accounts),
                                ("contact_logs", "customer_id", planted), ("complaints", "customer_id", planted),
                                ("withdrawal_registrations", "customer_id", planted)):
        got = read_all(root, table)
        got = got[got[column].isin(keys)].reset_index(drop=True)
        want = clean[table][clean[table][column].isin(keys)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, obj=table)
    touched = set(mess["key"])
    assert not touched & planted and not touched & planted_accounts


def test_the_messy_bank_is_the_clean_bank_plus_the_listed_mess(bank, messy):
    """Every row the mess did not add or change is the clean bank's row, unchanged."""
    _, _, clean = bank
    root, _, mess = messy
    changed_customers = set(mess.loc[mess["table"] == "customers", "key"])
    overdrawn = set(mess.loc[mess["kind"].str.startswith("overdraft"), "key"])
    for table, key in (("customers", "customer_id"), ("accounts", "account_id"), ("transactions", "txn_id"),
                       ("contact_logs", "contact_id"), ("complaints", "complaint_id"),
                       ("withdrawal_registrations", "registration_id")):
        got = read_all(root, table).drop_duplicates(key, keep="first")
        added = got[key].str.match(r"^[A-Z]9") & ~got[key].isin(clean[table][key])
        assert not added.any() or set(got.loc[added, key]) <= set(mess["key"]) | set(
            got.loc[added & got[key].str.startswith("T9"), key]), table
        got = got[~added].set_index(key).sort_index()
        want = clean[table].set_index(key).sort_index()
        assert list(got.index) == list(want.index), table
        if table == "customers":
            got, want = got.drop(index=list(changed_customers & set(got.index))), want.drop(
                index=list(changed_customers & set(want.index)))
        if table == "transactions":  # an overdraft moves the balances of its account's later rows
            got, want = got[~got["account_id"].isin(overdrawn)], want[~want["account_id"].isin(overdrawn)]
        pd.testing.assert_frame_equal(got, want, obj=table)


def _count_at(share: float, n: int) -> int:
    return max(1, round(share * n))


def test_each_kind_of_mess_is_there_at_its_rate(bank, messy):
    _, _, clean = bank
    root, info, mess = messy
    kinds = mess.groupby(["table", "kind"]).size().to_dict()
    plants = pd.read_csv(root / GROUND_TRUTH_DIR / "plants.csv", dtype=str)
    n_background = N_CUSTOMERS - len(plants)
    r = DEFAULT_MESS
    # customers: exact counts of the background customers
    assert kinds[("customers", "placeholder")] == 3 * _count_at(r.contact_placeholder_share, n_background)
    assert kinds[("customers", "malformed")] == 2 * _count_at(r.contact_malformed_share, n_background)
    assert kinds[("customers", "after_as_of")] == _count_at(r.after_as_of_share, n_background)
    assert kinds[("accounts", "overdraft_repaid")] == _count_at(r.overdraft_share, n_background)
    assert kinds[("accounts", "overdraft_to_window_end")] == _count_at(r.overdraft_staying_share, n_background)
    n_fx = kinds[("accounts", "foreign_currency")] + kinds[("accounts", "fx_before_first_rate")]
    assert 0.5 * r.foreign_currency_share * n_background <= n_fx <= r.foreign_currency_share * n_background + 1
    assert kinds[("accounts", "currency_without_rate")] == 1
    # rows of the event tables: shares of the rows they are drawn from (background, not in the last days)
    n_tx = len(clean["transactions"])
    for kind, share in (("exact_duplicate", r.exact_duplicate_share), ("late_arrival", r.late_row_share),
                        ("conflicting_duplicate", r.conflicting_duplicate_share),
                        ("orphan", r.orphan_transaction_share), ("bad_value", r.bad_value_share)):
        assert 0.5 * share * n_tx <= kinds[("transactions", kind)] <= share * n_tx + 1, kind
    for kind in ("exact_duplicate", "late_arrival", "bad_value"):
        assert kinds[("contact_logs", kind)] >= 1, kind
    assert kinds[("accounts", "orphan")] >= 1
    # every placeholder is a placeholder, every malformed value fails its pattern
    customers = read(root, "customers").set_index("customer_id")
    for row in mess[mess["kind"].isin(["placeholder", "malformed"])].itertuples():
        value = customers.loc[row.key, row.column]
        if row.kind == "placeholder":
            assert value in PLACEHOLDERS or (pd.isna(value) and "  " in PLACEHOLDERS) or value.strip() == ""
        elif row.column == "mobile_phone":
            assert not pd.Series([value]).str.replace(r"^\+86|[ -]", "", regex=True).str.fullmatch(
                r"1[3-9]\d{9}").iloc[0]
        else:
            assert not pd.Series([value]).str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+").iloc[0]
    # no row of the second file falls in the window's last days (a daily split of the last day stays whole)
    last = pd.Timestamp(info["window"]["end"]) - pd.Timedelta(days=RESENT_CLEAR_DAYS - 1)
    for table, column in (("transactions", "txn_ts"), ("contact_logs", "contact_ts")):
        resent = pd.read_csv(root / table / f"{table}.resent.csv", dtype=str)
        assert (resent[column].str[:10] < str(last.date())).all(), table
    # late rows are in the second file only; re-sent rows in both
    tx = read(root, "transactions")
    resent = pd.read_csv(root / "transactions" / "transactions.resent.csv", dtype=str)
    late = set(mess.loc[(mess["table"] == "transactions") & (mess["kind"] == "late_arrival"), "key"])
    again = set(mess.loc[(mess["table"] == "transactions") & mess["kind"].str.endswith("duplicate"), "key"])
    assert not late & set(tx["txn_id"]) and late <= set(resent["txn_id"])
    assert again <= set(tx["txn_id"]) and again <= set(resent["txn_id"])


def test_overdrafts_and_the_foreign_currency_book(messy):
    root, info, mess = messy
    accounts = read(root, "accounts").set_index("account_id")
    tx = read(root, "transactions").sort_values(["account_id", "txn_ts", "txn_id"])
    bal = tx.assign(cents=cents(tx["balance_after"])).groupby("account_id")["cents"]
    for row in mess[mess["kind"].str.startswith("overdraft")].itertuples():
        assert accounts.loc[row.key, "product_type"] == "demand_deposit"
        assert bal.get_group(row.key).min() < 0, row
        last = bal.get_group(row.key).iloc[-1]
        assert (last < 0) == (row.kind == "overdraft_to_window_end"), row
    # the chain holds on every account, overdrawn ones included (rows of both files)
    all_tx = read_all(root, "transactions").drop_duplicates("txn_id")
    all_tx = all_tx[all_tx["account_id"].isin(accounts.index) & all_tx["txn_ts"].str.fullmatch(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}") & ~all_tx["txn_ts"].str[5:10].eq("02-30")]
    all_tx = all_tx.sort_values(["account_id", "txn_ts", "txn_id"]).reset_index(drop=True)
    amount, balance = cents(all_tx["amount"]), cents(all_tx["balance_after"])
    prev = balance.groupby(all_tx["account_id"]).shift(1)
    prev = prev.where(prev.notna(), cents(accounts.loc[all_tx["account_id"], "opening_balance"]).values)
    assert (prev + np.where(all_tx["direction"] == "credit", amount, -amount) == balance).all()
    # fx: rates on working days over the window for each currency held; GBP's first rate after its accounts
    rates = read(root, "fx_rates")
    fx = accounts[accounts["currency"] != "CNY"]
    held = set(fx["currency"])
    assert "AUD" in held and "AUD" not in set(rates["currency"]) and held - {"AUD"} <= set(rates["currency"])
    first = rates.groupby("currency")["rate_date"].min()
    last = rates.groupby("currency")["rate_date"].max()
    for cur in held - {"AUD", "GBP"}:
        assert first[cur] < info["window"]["start"] and last[cur] >= str(
            (pd.Timestamp(info["window"]["end"]) - pd.Timedelta(days=3)).date()), cur
    if "GBP" in held:
        assert (fx.loc[fx["currency"] == "GBP", "opened_date"] < first["GBP"]).all()
    assert (pd.to_datetime(rates["rate_date"]).dt.dayofweek < 5).all()
    assert not rates.duplicated(["currency", "rate_date"]).any() and (pd.to_numeric(rates["cny_per_unit"]) > 0).all()
    # rows after the last transaction day
    after = mess[mess["kind"] == "after_as_of"]
    customers = read(root, "customers").set_index("customer_id")
    last_day = tx["txn_ts"].str[:10].max()
    for row in after.itertuples():
        day = (customers.loc[row.key, "onboarded_date"] if row.table == "customers"
               else accounts.loc[row.key, "opened_date"])
        assert day > last_day, row


@pytest.mark.unit
def test_mess_rates_are_configurable(tmp_path):
    small = dict(n_customers=600, n_months=4, seed=2)
    double = generate_bank(tmp_path / "double", mess_rate=2, **small)["ground_truth"]["mess"]
    single = generate_bank(tmp_path / "single", **small)["ground_truth"]["mess"]
    assert double["placeholder"] > single["placeholder"] and double["exact_duplicate"] > single["exact_duplicate"]
    only = MessRates(**{**{f: 0.0 for f in NO_MESS.__dataclass_fields__}, "overdraft_share": 0.01})
    info = generate_bank(tmp_path / "only", mess=only, **small)
    assert set(info["ground_truth"]["mess"]) == {"overdraft_repaid", "rows"}
    assert not list((tmp_path / "only").rglob("*.resent.csv")) and not (tmp_path / "only" / "fx_rates").exists()
    with pytest.raises(ValueError):
        generate_bank(tmp_path / "bad", mess_rate=-1, **small)


def test_ingestion_quarantines_exactly_what_the_mess_list_says(messy, tmp_path):
    """Load the default bank as the pipeline does: each quarantined row is listed in the mess list with that
    reason, and each listed quarantine is there; accepted mess is in the raw tables."""
    import duckdb

    from orchestration.lib.ingest import load_all

    root, info, mess = messy
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        results = load_all(con, root)
        assert all(r.reconciles for r in results.values())
        got = con.execute("SELECT table_name, reason, count(*) FROM raw.quarantine GROUP BY ALL").fetchall()
        want = mess[mess["outcome"] == "quarantined"].groupby(["table", "reason"]).size()
        assert {(t, r): n for t, r, n in got} == {k: int(v) for k, v in want.items()}
        late = mess[mess["kind"] == "late_arrival"]
        for table, key in (("transactions", "txn_id"), ("contact_logs", "contact_id")):
            keys = list(late.loc[late["table"] == table, "key"])
            n = con.execute(f"SELECT count(*) FROM raw.{table} WHERE {key} IN (SELECT unnest(?))", [keys]).fetchone()[0]
            assert n == len(keys), table
        assert con.execute("SELECT count(*) FROM raw.balance_chain_breaks").fetchone()[0] == 0
        assert any("before its first rate_date" in w for w in results["accounts"].warnings)
    finally:
        con.close()
