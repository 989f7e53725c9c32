"""Tests of the sample-bank generator: determinism, the raw contract, the balance chain, and that every planted
label follows from docs/rules.md's default rules (recomputed here independently with pandas)."""

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
    GROUND_TRUTH_DIR,
    OUTPUT_TABLES,
    OWN_BANK_CODE,
    generate_bank,
)

N_CUSTOMERS, N_MONTHS = 2000, 12
FLOORS = [(6_000_000, 4), (500_000, 3), (50_000, 2)]  # docs/rules.md section 3 defaults, tier index
TIER_NAMES = ["none", "mass", "affluent", "wealth", "private"]
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
    root = tmp_path_factory.mktemp("bank_csv")
    info = generate_bank(root, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7)
    tables = {t: read(root, t) for t in OUTPUT_TABLES}
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
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(OUTPUT_TABLES + [GROUND_TRUTH_DIR])
    for name in OUTPUT_TABLES:
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
    for kind in ("product", "service", "consumption", "special"):
        assert counts.get(kind, 0) >= 20, kind
    mism = churn[churn["stated_purpose_mismatch"] == "true"]
    assert len(mism) >= 20 and set(mism["churn_type"]) == {"product", "service"}
    stages = life.groupby("stage")["customer_id"].nunique()
    for stage in ("potential", "development", "growth", "maturity", "decline", "termination"):
        assert stages.get(stage, 0) >= 20, stage
    moves = tier.groupby("movement")["customer_id"].nunique()
    for mv in ("new", "upgrade", "stable", "downgrade", "lost"):
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
        primary = next((k for k in ("special", "consumption", "product", "service") if k in signals), "unclassified")
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


# ------------------------------------------------------------------------------------------------- parquet


def test_parquet_matches_csv(bank, tmp_path):
    root, info, t = bank
    info_pq = generate_bank(tmp_path / "pq", n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7, fmt="parquet")
    assert info_pq["tables"] == info["tables"]
    for name in OUTPUT_TABLES:
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
    for f in ("churn_events", "lifecycle", "tier_moves"):
        assert (tmp_path / "pq" / GROUND_TRUTH_DIR / f"{f}.csv").read_bytes() == (
            root / GROUND_TRUTH_DIR / f"{f}.csv").read_bytes()
