"""The quarantine keeps the raw row for the data team; support staff read a masked view of it."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.lib.ingest import load_all
from orchestration.lib.quarantine import create_masked_view
from tests.conftest import write_csv


@pytest.mark.unit
def test_the_masked_quarantine_hides_every_personal_field(minimal_bank, warehouse):
    write_csv(minimal_bank, "customers", [
        {"customer_id": "C9", "home_branch_id": "NO-SUCH-BRANCH", "customer_name": "欧阳娜娜",
         "id_number": "110101199003074514", "mobile_phone": "13912345678", "address": "朝阳区望京西路8号",
         "email": "nana@example.cn", "onboarded_date": "2020-01-01"},
    ], name="customers_late.csv")
    load_all(warehouse, minimal_bank, latest_valid_date=date(2026, 3, 1))
    create_masked_view(warehouse)
    raw = warehouse.execute("SELECT CAST(record AS VARCHAR) FROM raw.quarantine WHERE table_name = 'customers'").fetchall()
    masked = warehouse.execute(
        "SELECT reason, CAST(record_masked AS VARCHAR) FROM raw.quarantine_masked WHERE table_name = 'customers'"
    ).fetchall()
    assert len(raw) == len(masked) == 1 and "欧阳娜娜" in raw[0][0]
    reason, record = masked[0]
    assert reason.startswith("orphan home_branch_id")
    for secret in ("欧阳娜娜", "110101199003074514", "13912345678", "朝阳区", "nana@"):
        assert secret not in record and secret not in reason
    assert '"customer_id":"C9"' in record  # what support needs to find the row stays
