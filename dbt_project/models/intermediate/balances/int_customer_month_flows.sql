{#- One row per customer per booking branch (the account's branch) per month with transactions: money in and out of the bank (进水/出水),
    to and from other banks separately, and transaction counts. Moves between a customer's own
    accounts in the bank and the bank's postings are not flows. -#}
with transactions as (
    select * from {{ ref('stg_bank__transactions') }}
),

accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),

months as (
    select * from {{ ref('int_months') }}
),

dated as (
    select
        accounts.customer_id,
        accounts.branch_id,
        cast({{ dbt.date_trunc('month', 'transactions.txn_date') }} as date) as month_start,
        transactions.*
    from transactions
    inner join accounts on transactions.account_id = accounts.account_id
)

select
    dated.customer_id,
    dated.branch_id,
    dated.month_start,
    sum(case when flow_scope = 'external' and direction = 'credit' then amount else 0 end) as inflow,
    sum(case when flow_scope = 'external' and direction = 'debit' then amount else 0 end) as outflow,
    sum(case when flow_scope = 'external' and direction = 'credit' and is_other_bank then amount else 0 end)
        as inflow_other_bank,
    sum(case when flow_scope = 'external' and direction = 'debit' and is_other_bank then amount else 0 end)
        as outflow_other_bank,
    count(*) as n_transactions,
    sum(case when is_customer_initiated then 1 else 0 end) as n_customer_transactions
from dated
inner join months on dated.month_start = months.month_start and dated.txn_date <= months.period_end
group by dated.customer_id, dated.branch_id, dated.month_start
