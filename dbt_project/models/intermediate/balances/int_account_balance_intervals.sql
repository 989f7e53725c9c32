{#- One row per account per stretch of days with one end-of-day balance: [valid_from, valid_to).
    A balance holds from one transaction day to the next, so the rows grow with transaction days, not
    with accounts × calendar days (docs/rules.md section 3):
    - the day's balance is the balance_after of its last transaction (by time, then txn_id);
    - before its first transaction an account holds opening_balance from opened_date on;
    - it is 0 before it opens and from the day it closes (no row).
    Built incrementally from W, the first day of the latest month already built (or refresh_from_month if
    earlier): every stretch that ends on or after W is rebuilt from the stretch the account held the day
    before W (kept from the previous build, its end recomputed) and the transactions from W on; accounts
    opened on or after W are built whole, as in a full build. refresh_to_month does not apply here. -#}
{#- unique_key account_id with the predicate valid_to >= W: the delete removes, of the accounts rebuilt, only
    their stretches that end on or after W; those that end before W depend on nothing at or after W and
    stay. Every account that has such a stretch is rebuilt (its stretch across W or its opening is).
    'delete+insert+this' (macros/incremental) is delete+insert with {this} in the predicate filled in at run
    time, as W reads the previous build. W is never later than the latest month built: past the previous
    build's last day there is no stretch across W to carry in, and accounts would lose their balances up to
    their first transaction from W (a daily run that missed a month's last day, then ran for the next). -#}
{%- set latest_month_built -%}
    cast({{ dbt.date_trunc('month', dbt.dateadd('day', -1, 'max(valid_to)') | trim) | trim }} as date)
{%- endset -%}
{%- set window_start_query -%}
    select {{ refresh_window_start(latest_month_built) }} as window_start from {this}
{%- endset -%}
{#- Spark overwrites partitions, and this table has no month to partition by: a table there, rebuilt whole. -#}
{#- tag monthly: rebuilt by month, so a monthly-partitioned asset in Dagster (orchestration/defs/dbt);
    meta month_column: the months it holds, which Dagster's partition status reads. -#}
{{ config(
    tags=['monthly'],
    meta={'month_column': 'valid_from'},
    materialized=('table' if target.type == 'spark' else 'incremental'),
    unique_key='account_id',
    incremental_strategy='delete+insert+this',
    incremental_predicates=['valid_to >= (' ~ window_start_query ~ ')'],
    on_schema_change='fail'
) }}

with accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),
{%- if is_incremental() %}

-- W, the first day rebuilt (the same query as the delete's predicate)
refresh_window as (
    {{ window_start_query | replace('{this}', this | string) }}
),
{%- endif %}

transactions as (
    select * from {{ ref('stg_bank__transactions') }}
    {%- if is_incremental() %}
    -- the window, and every transaction of the accounts opened in it (one dated before the opening day
    -- gives the first balance, as in a full build)
    where txn_date >= (select window_start from refresh_window)
        or account_id in (
            select account_id from accounts where opened_date >= (select window_start from refresh_window)
        )
    {%- endif %}
),

horizon as (
    -- the day after the as-of date closes every open stretch
    select cast({{ dbt.dateadd('day', 1, 'max(as_of_date)') }} as date) as open_end from {{ ref('int_months') }}
),

-- the day's balance: balance_after of its last transaction, by time, then txn_id
day_end as (
    select account_id, txn_date, {{ latest_by('balance_after', ['txn_ts', 'txn_id']) }} as balance
    from transactions
    group by account_id, txn_date
),

after_transactions as (
    select
        account_id,
        txn_date as valid_from,
        lead(txn_date) over (partition by account_id order by txn_date) as next_change,
        balance
    from day_end
),

first_transaction as (
    select account_id, min(txn_date) as first_txn_date
    from day_end
    group by account_id
),

-- the balance each account holds before its first transaction read: its opening balance from the day it opens
starts as (
    select account_id, opened_date as valid_from, opening_balance as balance
    from accounts
    {%- if is_incremental() %}
    where opened_date >= (select window_start from refresh_window)

    union all

    -- carry-in: the stretch the account held on the day before W (an account closed before W has none);
    -- it keeps its start and balance, its end comes from the first transaction from W on
    select account_id, valid_from, balance
    from {{ this }}
    where valid_from < (select window_start from refresh_window)
        and valid_to >= (select window_start from refresh_window)
    {%- endif %}
),

before_transactions as (
    select
        starts.account_id,
        starts.valid_from,
        first_transaction.first_txn_date as next_change,
        starts.balance
    from starts
    left join first_transaction on starts.account_id = first_transaction.account_id
),

stretches as (
    select * from after_transactions
    union all
    select * from before_transactions
),

bounded as (
    select
        stretches.account_id,
        greatest(stretches.valid_from, accounts.opened_date) as valid_from,
        least(
            coalesce(stretches.next_change, horizon.open_end),
            coalesce(accounts.closed_date, horizon.open_end),
            horizon.open_end
        ) as valid_to,
        stretches.balance
    from stretches
    inner join accounts on stretches.account_id = accounts.account_id
    cross join horizon
)

select account_id, valid_from, valid_to, balance
from bounded
where valid_from < valid_to
