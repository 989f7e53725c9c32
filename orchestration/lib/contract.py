"""The raw input contract (docs/rules.md section 9), in one place.

Ingestion, the sample-bank generator, the dbt sources and the tests all read the tables, columns,
types, codes and keys from here, so the contract is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical column types. Ingestion casts text to these; the generator writes values of these kinds.
STRING = "string"
DATE = "date"
TIMESTAMP = "timestamp"
MONEY = "money"  # CNY in yuan, two decimals (more is quarantined, never rounded: orchestration/lib/ingest_values.py)
DECIMAL = "decimal"  # a rate or an exchange rate, six decimals
INTEGER = "integer"

SQL_TYPES = {
    STRING: "VARCHAR",
    DATE: "DATE",
    TIMESTAMP: "TIMESTAMP",
    MONEY: "DECIMAL(18,2)",
    DECIMAL: "DECIMAL(18,6)",
    INTEGER: "BIGINT",
}

ROLES = ("private_banker", "wealth_manager", "lobby_manager", "teller")
PRODUCT_TYPES = ("demand_deposit", "time_deposit", "wealth_product", "fund", "insurance", "loan")
DIRECTIONS = ("credit", "debit")
TXN_TYPES = (
    "cash_deposit",
    "cash_withdrawal",
    "transfer_in",
    "transfer_out",
    "salary",
    "interest",
    "fee",
    "product_purchase",
    "product_redemption",
    "maturity_payout",
    "loan_repayment",
)
TXN_CHANNELS = ("counter", "atm", "mobile", "online", "pos")
CONTACT_CHANNELS = ("phone", "visit", "wechat", "sms")
CONTACT_OUTCOMES = ("reached", "no_answer", "refused", "wrong_number")
STATED_PURPOSES = ("house", "car", "education", "medical", "business", "other")
BASE_CURRENCY = "CNY"


@dataclass(frozen=True)
class Column:
    name: str
    type: str = STRING
    nullable: bool = True
    codes: tuple[str, ...] | None = None  # accepted values, compared after trimming and lower-casing
    references: str | None = None  # "table.column" that must hold this value (foreign key)
    positive: bool = False  # must be > 0
    personal: bool = False  # personal data: never logged, masked in marts
    may_be_future: bool = False  # a date that may lie after the load date (a maturity, a planned withdrawal)


@dataclass(frozen=True)
class Lookup:
    """The row of another table each row of a table is checked against (joined on `key` = `table`.`parent_key`);
    a RowRule reads its `columns` as {table.column}."""
    table: str
    key: str
    parent_key: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RowRule:
    """A rule a row must keep beyond its columns' own (docs/rules.md section 8): a row for which `broken` (SQL) is
    true is quarantined with `reason`. In `broken`, {column} is the row's typed value, {table.column} the value of
    its Lookup row and {raw} the raw schema. `reads`: the other tables the rule reads; when one of them changes,
    the rows the rule quarantined are checked again. `keys`: the columns ("table.column") of those tables whose
    lost values can break an accepted row (a full load that drops one reloads this table in full)."""
    reason: str
    broken: str
    reads: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class BalanceChain:
    """The running balance checked after a load (docs/rules.md section 8): per `parent` row (the column `key`), in
    `order`, `balance` is the previous row's (the parent's `opening` for the first) plus `amount` when `direction`
    is `credit`, minus it otherwise. A break is listed and warned about, never quarantined."""
    parent: str
    key: str
    order: tuple[str, ...]
    balance: str
    amount: str
    direction: str
    credit: str
    opening: str


@dataclass(frozen=True)
class KeptWarning:
    """Rows kept but counted in a warning after the table's load, and in raw.load_audit.warning_counts under
    `name`. `count`: SQL counting them ({raw}: the raw schema); `message`: the warning, {n} the count."""
    name: str
    count: str
    message: str
    reads: tuple[str, ...] = ()  # tables `count` needs besides this one (none there: no warning)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    optional: bool = False  # the whole table may be absent (not just empty)
    description: str = ""
    parents: tuple[str, ...] = field(default=())
    # The first day a row of this table can change in the month-incremental models, as a SQL expression over
    # the row (alias r) and the other raw tables ({raw}.<table>): a load that accepts, changes or removes the
    # row makes the next build rebuild from that day's month (docs/rules.md section 11). None: the table
    # feeds no incremental model (the models reading it are rebuilt whole on every run).
    affects_months_from: str | None = None
    # The column that dates a row in the data window: a row dated after the data's last transaction day is
    # not yet part of the marts for that as-of date, and the load audit counts it as a warning.
    window_date: str | None = None
    # Rules over a row and the rows of other tables (ingestion checks them; docs/rules.md section 8).
    lookups: tuple[Lookup, ...] = ()
    row_rules: tuple[RowRule, ...] = ()
    # A full load that changes a row so that this is true (o: the row as it was, n: as it is now, typed values
    # n.t_<column>) counts as losing a key: the tables checked against this one load in full next.
    narrowed_when: str | None = None
    balance_chain: BalanceChain | None = None
    kept_warnings: tuple[KeptWarning, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns a file must have: keys and every non-nullable column."""
        return [c.name for c in self.columns if not c.nullable or c.name in self.primary_key]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def checked_against(self) -> list[str]:
        """Tables whose rows decide whether a row of this table is accepted: its foreign keys' tables, then the
        other tables its rules read (loaded before it)."""
        return list(dict.fromkeys([*self.parents, *(t for r in self.row_rules for t in r.reads)]))


def _table(name, columns, primary_key, optional=False, description="", affects_months_from=None, window_date=None,
           **rules):
    parents = tuple(
        dict.fromkeys(c.references.split(".")[0] for c in columns if c.references and c.references.split(".")[0] != name)
    )
    return Table(name, tuple(columns), tuple(primary_key), optional, description, parents, affects_months_from,
                 window_date, **rules)


C = Column

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _table(
            "branches",
            [
                C("branch_id", nullable=False),
                C("branch_name", nullable=False),
                C("city"),
                C("opened_date", DATE),
            ],
            ["branch_id"],
            description="one row per branch",
        ),
        _table(
            "staff",
            [
                C("staff_id", nullable=False),
                C("branch_id", nullable=False, references="branches.branch_id"),
                C("staff_name", personal=True),
                C("role", nullable=False, codes=ROLES),
                C("hired_date", DATE),
                C("left_date", DATE),
                C("daily_capacity", INTEGER, positive=True),
            ],
            ["staff_id"],
            description="one row per staff member, including those who left",
            # the same day is fine
            row_rules=(RowRule("left_date before hired_date", "{left_date} < {hired_date}"),),
        ),
        _table(
            "customers",
            [
                C("customer_id", nullable=False),
                C("home_branch_id", nullable=False, references="branches.branch_id"),
                C("customer_name", personal=True),
                C("id_number", personal=True),
                C("birth_date", DATE, personal=True),
                C("gender"),
                C("mobile_phone", personal=True),
                C("landline_phone", personal=True),
                C("email", personal=True),
                C("address", personal=True),
                C("onboarded_date", DATE, nullable=False),
                # Not a hard foreign key: a manager who is not in the staff extract is reassigned, not lost.
                C("relationship_manager_id"),
            ],
            ["customer_id"],
            description="one row per customer, prospects (no account) included",
            # a customer's months start at onboarding or at their first account, whichever is earlier
            affects_months_from="LEAST(r.onboarded_date, (SELECT min(a.opened_date) FROM {raw}.accounts a "
            "WHERE a.customer_id = r.customer_id))",
            window_date="onboarded_date",
        ),
        _table(
            "accounts",
            [
                C("account_id", nullable=False),
                C("customer_id", nullable=False, references="customers.customer_id"),
                C("branch_id", nullable=False, references="branches.branch_id"),
                C("product_type", nullable=False, codes=PRODUCT_TYPES),
                C("product_code"),
                C("currency", nullable=False),
                C("opened_date", DATE, nullable=False),
                C("maturity_date", DATE, may_be_future=True),
                C("closed_date", DATE),
                C("interest_rate", DECIMAL),
                C("opening_balance", MONEY, nullable=False),
            ],
            ["account_id"],
            description="one row per account of any product, closed ones included",
            # its balances start at opening; ingestion quarantines a transaction dated before the opening day
            # (orchestration/lib/ingest.py), the LEAST only guards a row accepted under an older rule
            affects_months_from="LEAST(r.opened_date, (SELECT min(CAST(t.txn_ts AS DATE)) FROM {raw}.transactions t "
            "WHERE t.account_id = r.account_id))",
            window_date="opened_date",
            row_rules=(
                RowRule("currency has no rate in fx_rates",
                        f"{{currency}} IS NOT NULL AND {{currency}} <> '{BASE_CURRENCY}' "
                        "AND {currency} NOT IN (SELECT currency FROM {raw}.fx_rates)",
                        reads=("fx_rates",), keys=("fx_rates.currency",)),
                RowRule("closed_date before opened_date", "{closed_date} < {opened_date}"),
            ),
            # a later opened_date or an earlier closed_date may put an accepted transaction outside its account
            narrowed_when="n.t_opened_date > o.opened_date "
            "OR COALESCE(n.t_closed_date, DATE '9999-12-31') < COALESCE(o.closed_date, DATE '9999-12-31')",
            # kept: months before a currency's first rate convert at that first rate
            kept_warnings=(KeptWarning(
                "fx rate used for months before its first rate_date",
                "SELECT count(*) FROM {raw}.accounts a JOIN (SELECT currency, min(rate_date) AS first_rate "
                "FROM {raw}.fx_rates GROUP BY currency) f ON f.currency = a.currency "
                "WHERE last_day(a.opened_date) < f.first_rate",
                "accounts: fx rate used for months before its first rate_date: {n} account(s) opened in a month "
                "that ends before their currency's first rate; rows kept, those months convert at the first rate",
                reads=("fx_rates",)),),
        ),
        _table(
            "transactions",
            [
                C("txn_id", nullable=False),
                C("account_id", nullable=False, references="accounts.account_id"),
                C("txn_ts", TIMESTAMP, nullable=False),
                C("direction", nullable=False, codes=DIRECTIONS),
                C("amount", MONEY, nullable=False, positive=True),
                C("balance_after", MONEY, nullable=False),
                C("txn_type", nullable=False, codes=TXN_TYPES),
                C("channel", codes=TXN_CHANNELS),
                C("counterparty_name", personal=True),
                C("counterparty_bank"),
                C("counterparty_account", personal=True),
                C("memo"),
            ],
            ["txn_id"],
            description="one row per posted transaction",
            affects_months_from="CAST(r.txn_ts AS DATE)",
            lookups=(Lookup("accounts", "account_id", "account_id", ("opened_date", "closed_date")),),
            # the closing day and the opening day themselves are fine (the closing transaction posts that day)
            row_rules=(
                RowRule("transaction after the account's closed_date",
                        "CAST({txn_ts} AS DATE) > {accounts.closed_date}", reads=("accounts",)),
                RowRule("transaction before the account's opened_date",
                        "CAST({txn_ts} AS DATE) < {accounts.opened_date}", reads=("accounts",)),
            ),
            balance_chain=BalanceChain("accounts", "account_id", ("txn_ts", "txn_id"), "balance_after", "amount",
                                       "direction", "credit", "opening_balance"),
        ),
        _table(
            "contact_logs",
            [
                C("contact_id", nullable=False),
                C("customer_id", nullable=False, references="customers.customer_id"),
                C("staff_id", nullable=False, references="staff.staff_id"),
                C("contact_ts", TIMESTAMP, nullable=False),
                C("channel", nullable=False, codes=CONTACT_CHANNELS),
                C("outcome", nullable=False, codes=CONTACT_OUTCOMES),
            ],
            ["contact_id"],
            description="one row per contact attempt by a staff member",
            window_date="contact_ts",
        ),
        _table(
            "complaints",
            [
                C("complaint_id", nullable=False),
                C("customer_id", nullable=False, references="customers.customer_id"),
                C("branch_id", nullable=False, references="branches.branch_id"),
                C("created_ts", TIMESTAMP, nullable=False),
                C("category"),
                C("resolved_ts", TIMESTAMP),
            ],
            ["complaint_id"],
            description="one row per complaint",
            window_date="created_ts",
        ),
        _table(
            "withdrawal_registrations",
            [
                C("registration_id", nullable=False),
                C("customer_id", nullable=False, references="customers.customer_id"),
                C("branch_id", nullable=False, references="branches.branch_id"),
                C("registered_ts", TIMESTAMP, nullable=False),
                C("planned_date", DATE, may_be_future=True),
                C("amount", MONEY, nullable=False, positive=True),
                C("stated_purpose", codes=STATED_PURPOSES),
                # Not a hard foreign key: the registering teller may have left since.
                C("staff_id"),
            ],
            ["registration_id"],
            description="one row per large-withdrawal registration (大额取现登记)",
            window_date="registered_ts",
        ),
        _table(
            "fx_rates",
            [
                C("currency", nullable=False),
                C("rate_date", DATE, nullable=False),
                C("cny_per_unit", DECIMAL, nullable=False, positive=True),
            ],
            ["currency", "rate_date"],
            optional=True,
            description="one row per currency per day: CNY for one unit",
            # a month converts at the latest rate on or before its end, and months before a currency's first
            # rate at that first rate: a new or removed first rate changes every month before it
            affects_months_from="CASE WHEN r.rate_date > (SELECT min(f.rate_date) FROM {raw}.fx_rates f "
            "WHERE f.currency = r.currency) THEN r.rate_date ELSE DATE '1900-01-01' END",
        ),
    ]
}

# Load order: every table after the tables its foreign keys point to.
LOAD_ORDER: list[str] = ["fx_rates", "branches", "staff", "customers", "accounts", "transactions",
                         "contact_logs", "complaints", "withdrawal_registrations"]

# Tables that may hold no rows at all (docs/rules.md section 9).
MAY_BE_EMPTY = {"staff", "contact_logs", "complaints", "withdrawal_registrations", "fx_rates"}
