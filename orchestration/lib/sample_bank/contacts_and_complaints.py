"""Contact logs, complaints and large-withdrawal registrations of a chunk, as tables (docs/rules.md sections
5, 6 and 9). Staff are taken from the customer's home branch, in the role the row needs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..contract import CONTACT_CHANNELS, CONTACT_OUTCOMES, STATED_PURPOSES
from .arrow_columns import date_column, decimal_column, id_column, table_schema, take_or_null, timestamp_column
from .calendar import SECONDS_PER_DAY
from .catalogue import ROLE
from .chunk import CustomerChunk

# Share of registrations taken by a teller (the rest by the lobby manager).
TELLER_REGISTRATION_SHARE = 0.7


def _stacked(parts: list[tuple], width: int) -> list[np.ndarray]:
    if not parts:
        return [np.zeros(0, np.int64) for _ in range(width)]
    return [np.concatenate([p[i] for p in parts]) for i in range(width)]


def contact_logs_table(chunk: CustomerChunk, first_number: int, customer_ids: pa.Array, staff_ids: pa.Array,
                       manager: np.ndarray) -> pa.Table:
    """Contacts by staff of the contact's role in the home branch (the relationship manager when it fits);
    none before the customer was onboarded."""
    rng, ctx = chunk.rng, chunk.ctx
    customer, role, ts, channel, outcome = _stacked(chunk.contacts, 5)
    keep = ts >= chunk.onboarded[customer] * SECONDS_PER_DAY
    customer, role, ts, channel, outcome = (x[keep] for x in (customer, role, ts, channel, outcome))
    pick = rng.random(chunk.n)  # one staff member per customer and role
    staff = ctx.staff.pick(chunk.home_branch[customer], role, pick[customer], active_only=True)
    their_manager = manager[customer]
    m = np.maximum(their_manager, 0)
    use_manager = (their_manager >= 0) & (ctx.staff.role[m] == role) & ctx.staff.active[m]
    staff = np.where(use_manager, their_manager, staff)
    order = np.lexsort((customer, ts))
    customer, staff, ts, channel, outcome = (x[order] for x in (customer, staff, ts, channel, outcome))
    k = len(customer)
    return pa.table({
        "contact_id": id_column("K", first_number + np.arange(k), 10),
        "customer_id": take_or_null(customer_ids, customer),
        "staff_id": take_or_null(staff_ids, staff),
        "contact_ts": timestamp_column(ts),
        "channel": take_or_null(pa.array(list(CONTACT_CHANNELS), pa.string()), channel),
        "outcome": take_or_null(pa.array(list(CONTACT_OUTCOMES), pa.string()), outcome),
    }, schema=table_schema("contact_logs"))


def complaints_table(chunk: CustomerChunk, first_number: int, customer_ids: pa.Array,
                     pool_values: pa.Array) -> pa.Table:
    customer, created, category, resolved = _stacked(chunk.complaints, 4)
    order = np.lexsort((customer, created))
    customer, created, category, resolved = (x[order] for x in (customer, created, category, resolved))
    k = len(customer)
    return pa.table({
        "complaint_id": id_column("CP", first_number + np.arange(k), 8),
        "customer_id": take_or_null(customer_ids, customer),
        "branch_id": take_or_null(chunk.ctx.branch_ids, chunk.home_branch[customer]),
        "created_ts": timestamp_column(created),
        "category": take_or_null(pool_values, category),
        "resolved_ts": timestamp_column(resolved),
    }, schema=table_schema("complaints"))


def withdrawal_registrations_table(chunk: CustomerChunk, first_number: int, customer_ids: pa.Array,
                                   staff_ids: pa.Array) -> pa.Table:
    """Large-withdrawal registrations, taken by a teller or lobby manager of the home branch."""
    rng, ctx = chunk.rng, chunk.ctx
    customer, ts, planned, cents, purpose = _stacked(chunk.registrations, 5)
    order = np.lexsort((customer, ts))
    customer, ts, planned, cents, purpose = (x[order] for x in (customer, ts, planned, cents, purpose))
    k = len(customer)
    role = np.where(rng.random(k) < TELLER_REGISTRATION_SHARE, ROLE["teller"], ROLE["lobby_manager"])
    staff = ctx.staff.pick(chunk.home_branch[customer], role, rng.random(k), active_only=True)
    return pa.table({
        "registration_id": id_column("WR", first_number + np.arange(k), 8),
        "customer_id": take_or_null(customer_ids, customer),
        "branch_id": take_or_null(ctx.branch_ids, chunk.home_branch[customer]),
        "registered_ts": timestamp_column(ts),
        "planned_date": date_column(planned),
        "amount": decimal_column(cents, 2),
        "stated_purpose": take_or_null(pa.array(list(STATED_PURPOSES), pa.string()), purpose),
        "staff_id": take_or_null(staff_ids, staff),
    }, schema=table_schema("withdrawal_registrations"))
