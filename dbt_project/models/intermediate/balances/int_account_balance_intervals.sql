{#- One row per account per stretch of days with one end-of-day balance: [valid_from, valid_to).
    A balance holds from one transaction day to the next, so the rows grow with transaction days, not
    with accounts × calendar days (DOMAIN section 3):
    - the day's balance is the balance_after of its last transaction (by time, then txn_id);
    - before its first transaction an account holds opening_balance from opened_date on;
    - it is 0 before it opens and from the day it closes (no row). -#}
with accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),

transactions as (
    select * from {{ ref('stg_bank__transactions') }}
),

horizon as (
    -- the day after the as-of date closes every open stretch
    select cast({{ dbt.dateadd('day', 1, 'max(as_of_date)') }} as date) as open_end from {{ ref('int_months') }}
),

ranked as (
    select
        account_id,
        txn_date,
        balance_after,
        row_number() over (partition by account_id, txn_date order by txn_ts desc, txn_id desc) as rank_in_day
    from transactions
),

day_end as (
    select account_id, txn_date, balance_after as balance
    from ranked
    where rank_in_day = 1
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

before_transactions as (
    select
        accounts.account_id,
        accounts.opened_date as valid_from,
        first_transaction.first_txn_date as next_change,
        accounts.opening_balance as balance
    from accounts
    left join first_transaction on accounts.account_id = first_transaction.account_id
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
