"""When the incremental models must rebuild from scratch: the transactions were loaded again in full."""

from __future__ import annotations

from orchestration.lib.build_state import full_rebuild_reason, record_build
from orchestration.lib.ingest import load_all
from tests.conftest import write_csv


def test_a_full_reload_of_the_transactions_after_a_build_asks_for_a_rebuild(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    assert full_rebuild_reason(warehouse) is None  # nothing built yet: the models build whole anyway
    record_build(warehouse)
    write_csv(minimal_bank, "transactions", [{
        "txn_id": "T4", "account_id": "A1", "txn_ts": "2026-02-01 09:00:00", "direction": "credit",
        "amount": "1.00", "balance_after": "1301.00", "txn_type": "salary"}], name="transactions_2026-02-01.csv")
    assert load_all(warehouse, minimal_bank)["transactions"].mode == "incremental"
    assert full_rebuild_reason(warehouse) is None  # new rows only: a refresh is enough
    record_build(warehouse)

    history = minimal_bank / "transactions" / "transactions.csv"
    history.write_text(history.read_text(encoding="utf-8").replace("工资", "奖金"), encoding="utf-8")
    assert load_all(warehouse, minimal_bank)["transactions"].mode == "full"
    reason = full_rebuild_reason(warehouse)
    assert reason and "loaded again in full" in reason and "transactions.csv changed" in reason
    record_build(warehouse)  # after the rebuild
    assert full_rebuild_reason(warehouse) is None
    # a parent reloaded in full does not, as long as the transactions only grew
    write_csv(minimal_bank, "branches", [{"branch_id": "B1", "branch_name": "西湖支行"}, {"branch_id": "B2"}])
    results = load_all(warehouse, minimal_bank)
    assert results["branches"].mode == "full" and full_rebuild_reason(warehouse) is None
