"""The customers table: identity, contact details (with their realistic gaps and format mess) and the
relationship manager (docs/rules.md sections 8 and 9)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .arrays import ascii_digits, ascii_to_str
from .arrow_columns import date_column, table_schema, take_or_null
from .catalogue import TIER_ROLE
from .chunk import CustomerChunk
from .names import MOBILE_PREFIXES, OTHER_ID_AREAS

# Mobile phones: share empty, share written in a form that normalises (+86, spaces, dashes), share malformed
# (10 digits, 12 digits, a landline in the mobile field). Shares of all customers.
MOBILE_EMPTY_SHARE = 0.08
MOBILE_NORMALISABLE_SHARE = 0.015
MOBILE_MALFORMED_SHARE = 0.015
LANDLINE_SHARE = 0.3  # customers with a landline
EMAIL_SHARE = 0.25  # customers with an e-mail address
ADDRESS_EMPTY_SHARE = 0.07
ID_NUMBER_EMPTY_SHARE = 0.01  # of customers with an account
LEAD_ID_NUMBER_EMPTY_SHARE = 0.2  # of leads
NAME_EMPTY_SHARE = 0.003
# Share of customers with a relationship manager, by starting tier (none .. private).
RELATIONSHIP_MANAGER_SHARE = (0.03, 0.1, 0.5, 0.85, 0.95)
# ISO 7064 MOD 11-2 weights and check characters of the 18-digit resident ID number.
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK_CHARACTERS = b"10X98765432"


def customers_table(chunk: CustomerChunk, customer_ids: pa.Array, pool_values: pa.Array,
                    staff_ids: pa.Array) -> tuple[pa.Table, np.ndarray]:
    """Returns (customers table, relationship manager staff row per customer, -1 for none)."""
    rng, ctx = chunk.rng, chunk.ctx
    n = chunk.n
    _city_name, area, _province, districts = ctx.city
    # gender and 18-digit resident ID with its ISO 7064 check character
    male = rng.random(n) < 0.5
    local = rng.random(n) < 0.7
    district_codes = np.array([int(c) for _, c in districts])
    area_codes = np.where(local, district_codes[rng.integers(0, len(district_codes), n)],
                          np.array([int(c) for c in OTHER_ID_AREAS])[rng.integers(0, len(OTHER_ID_AREAS), n)])
    birth = chunk.birth.astype("datetime64[D]")
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    sequence = rng.integers(0, 500, n) * 2 + np.where(male, 1, 0)
    body = np.concatenate([ascii_digits(area_codes, 6), ascii_digits(year * 10_000 + month * 100 + day, 8),
                           ascii_digits(sequence, 3)], axis=1)
    check = np.frombuffer(ID_CHECK_CHARACTERS, dtype=np.uint8)[((body - 48).astype(np.int64) @ ID_WEIGHTS) % 11]
    id_number = ascii_to_str(np.concatenate([body, check[:, None]], axis=1))
    # mobiles: empty, normalisable (+86, spaces, dashes), malformed
    prefix = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    digits = ascii_digits(prefix * 100_000_000 + rng.integers(0, 100_000_000, n), 11)
    mobile = ascii_to_str(digits).astype(object)
    u = rng.random(n)
    variant = rng.integers(0, 3, n)
    empty_to = MOBILE_EMPTY_SHARE
    normalisable = (u >= empty_to) & (u < empty_to + MOBILE_NORMALISABLE_SHARE)
    malformed = ((u >= empty_to + MOBILE_NORMALISABLE_SHARE)
                 & (u < empty_to + MOBILE_NORMALISABLE_SHARE + MOBILE_MALFORMED_SHARE))
    part3, part4, part5 = ascii_to_str(digits[:, :3]), ascii_to_str(digits[:, 3:7]), ascii_to_str(digits[:, 7:])
    with_plus = np.strings.add("+86 ", ascii_to_str(digits))
    with_spaces = np.strings.add(np.strings.add(np.strings.add(np.strings.add(part3, " "), part4), " "), part5)
    with_dashes = np.strings.add(np.strings.add(np.strings.add(np.strings.add(part3, "-"), part4), "-"), part5)
    mobile = np.where(normalisable & (variant == 0), with_plus,
                      np.where(normalisable & (variant == 1), with_spaces,
                               np.where(normalisable, with_dashes, mobile)))
    land_digits = ascii_to_str(ascii_digits(rng.integers(20_000_000, 89_999_999, n), 8))
    too_short = ascii_to_str(digits[:, :10])
    twelve_digits = ascii_to_str(np.concatenate([np.full((n, 2), [49, 50], dtype=np.uint8), digits[:, 2:]], axis=1))
    landline_like = np.strings.add(f"{area}-", land_digits)
    mobile = np.where(malformed & (variant == 0), too_short,
                      np.where(malformed & (variant == 1), twelve_digits,
                               np.where(malformed, landline_like, mobile)))
    mobile_empty = u < MOBILE_EMPTY_SHARE
    landline = np.strings.add(f"{area}-", ascii_to_str(ascii_digits(rng.integers(20_000_000, 89_999_999, n), 8)))
    landline_empty = rng.random(n) >= LANDLINE_SHARE
    details = ctx.details
    email = details.emails[rng.integers(0, len(details.emails), n)]
    email_empty = rng.random(n) >= EMAIL_SHARE
    address = details.addresses[rng.integers(0, len(details.addresses), n)]
    address_empty = rng.random(n) < ADDRESS_EMPTY_SHARE
    id_empty = rng.random(n) < np.where(chunk.prospect, LEAD_ID_NUMBER_EMPTY_SHARE, ID_NUMBER_EMPTY_SHARE)
    name = np.where(rng.random(n) < NAME_EMPTY_SHARE, -1, chunk.name)
    # relationship manager: a staff member (possibly one who left) of the role serving the starting tier
    role = TIER_ROLE[chunk.starting_tier]
    has_manager = rng.random(n) < np.array(RELATIONSHIP_MANAGER_SHARE)[chunk.starting_tier]
    manager = ctx.staff.pick(chunk.home_branch, role, rng.random(n), active_only=False)
    manager = np.where(has_manager, manager, -1)
    table = pa.table({
        "customer_id": customer_ids,
        "home_branch_id": take_or_null(ctx.branch_ids, chunk.home_branch),
        "customer_name": take_or_null(pool_values, name),
        "id_number": pa.array(id_number, pa.string(), mask=id_empty),
        "birth_date": date_column(chunk.birth),
        "gender": pa.array(np.where(male, "M", "F"), pa.string()),
        "mobile_phone": pa.array(mobile.astype(str), pa.string(), mask=mobile_empty),
        "landline_phone": pa.array(landline, pa.string(), mask=landline_empty),
        "email": pa.array(email, pa.string(), mask=email_empty),
        "address": pa.array(address, pa.string(), mask=address_empty),
        "onboarded_date": date_column(chunk.onboarded),
        "relationship_manager_id": take_or_null(staff_ids, manager),
    }, schema=table_schema("customers"))
    return table, manager
