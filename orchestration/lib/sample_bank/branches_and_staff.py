"""The branches of the bank's city and their staff, sized to the customers each branch serves."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from ..contract import ROLES
from .arrow_columns import date_column, id_column, table_schema, take_or_null
from .calendar import NO_DAY, DataWindow, day_number
from .names import CustomerDetails, StringPool

# Staffing per role: role index -> (tier it serves, customers of that tier per staff member, fewest per branch).
STAFFING = {0: (4, 60, 1), 1: (3, 300, 1), 2: (2, 800, 1), 3: (1, 2500, 2)}
# Staff who left, per branch (Poisson mean).
LEAVERS_PER_BRANCH = 0.8
# Share of staff rows with their own daily_capacity (the rest use the role's default).
OWN_CAPACITY_SHARE = 0.15
# The role defaults of docs/rules.md section 6, in contract.ROLES order (calls per working day).
ROLE_DAILY_CAPACITY = (8, 15, 20, 10)


@dataclass
class StaffLayout:
    """Staff sorted by (branch, role), active ones first in each group, so a group is a slice of staff rows."""
    role: np.ndarray  # per staff row, index into contract.ROLES
    active: np.ndarray  # per staff row: still employed
    group_start: np.ndarray  # (branch, role) -> first staff row
    group_size: np.ndarray  # (branch, role) -> staff rows, active ones first
    group_active: np.ndarray  # (branch, role) -> active staff rows

    def pick(self, branch, role, u, active_only: bool) -> np.ndarray:
        """The staff row at position u (uniform 0-1) in the (branch, role) group."""
        g = np.asarray(branch) * len(ROLES) + np.asarray(role)
        size = (self.group_active if active_only else self.group_size).ravel()[g]
        return self.group_start.ravel()[g] + (u * size).astype(np.int64)


def build_branches_and_staff(rng, city, details: CustomerDetails, pool: StringPool, n_branches: int,
                             window: DataWindow, branch: np.ndarray, segment: np.ndarray, prospect: np.ndarray):
    """Returns (branches table, staff table, StaffLayout)."""
    city_name, _area, _province, districts = city
    streets = details.streets
    names, seen = [], set()
    for b in range(n_branches):
        district = districts[b % len(districts)][0]
        base = f"{city_name[:-1]}{district[:-1]}{streets[(b * 13 + 5) % len(streets)]}支行"
        if base in seen:
            base = f"{base[:-2]}第{b + 1}支行"
        seen.add(base)
        names.append(base)
    branch_opened = rng.integers(day_number(date(1992, 1, 1)), day_number(date(2018, 12, 31)), n_branches)
    branches = pa.table({
        "branch_id": id_column("B", np.arange(1, n_branches + 1), 3),
        "branch_name": pa.array(names, pa.string()),
        "city": pa.array([city_name] * n_branches, pa.string()),
        "opened_date": date_column(branch_opened),
    }, schema=table_schema("branches"))

    funded = ~prospect
    customers_per_tier = np.zeros((n_branches, 5), dtype=np.int64)
    np.add.at(customers_per_tier, (branch[funded], segment[funded]), 1)
    rows = []  # (branch, role, active)
    for b in range(n_branches):
        for role in range(len(ROLES)):
            tier, per_staff, fewest = STAFFING[role]
            for _ in range(max(fewest, math.ceil(customers_per_tier[b, tier] / per_staff))):
                rows.append((b, role, True))
        for _ in range(int(rng.poisson(LEAVERS_PER_BRANCH))):
            rows.append((b, int(rng.integers(0, len(ROLES))), False))
    rows.sort(key=lambda x: (x[0], x[1], not x[2]))
    staff_branch = np.array([r[0] for r in rows], dtype=np.int64)
    staff_role = np.array([r[1] for r in rows], dtype=np.int64)
    staff_active = np.array([r[2] for r in rows], dtype=bool)
    k = len(rows)
    earliest = np.maximum(branch_opened[staff_branch] + 30, day_number(date(2000, 1, 1)))
    hired = earliest + (rng.random(k) * (window.start_day - 90 - earliest)).astype(np.int64)
    left = np.where(staff_active, NO_DAY, rng.integers(window.start_day - 365, window.end_day - 30, k))
    hired = np.where(staff_active, hired, np.minimum(hired, left - 200))
    default_capacity = np.array(ROLE_DAILY_CAPACITY)[staff_role]
    own_capacity = rng.random(k) < OWN_CAPACITY_SHARE
    capacity = np.where(own_capacity, np.maximum(default_capacity + rng.integers(-3, 5, k), 3), 0)
    staff = pa.table({
        "staff_id": id_column("S", np.arange(1, k + 1), 5),
        "branch_id": branches["branch_id"].combine_chunks().take(pa.array(staff_branch)),
        "staff_name": take_or_null(pool.arrow(), pool.pick(rng, "names", k)),
        "role": pa.array(list(ROLES), pa.string()).take(pa.array(staff_role)),
        "hired_date": date_column(hired),
        "left_date": date_column(left),
        "daily_capacity": pa.array(capacity, pa.int64(), mask=~own_capacity),
    }, schema=table_schema("staff"))
    group_start = np.zeros((n_branches, len(ROLES)), dtype=np.int64)
    group_size = np.zeros((n_branches, len(ROLES)), dtype=np.int64)
    group_active = np.zeros((n_branches, len(ROLES)), dtype=np.int64)
    np.add.at(group_size, (staff_branch, staff_role), 1)
    np.add.at(group_active, (staff_branch, staff_role), staff_active.astype(np.int64))
    flat = group_size.ravel()
    group_start.ravel()[:] = np.concatenate([[0], np.cumsum(flat)[:-1]])
    return branches, staff, StaffLayout(staff_role, staff_active, group_start, group_size, group_active)
