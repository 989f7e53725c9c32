{#- One row per customer per booking branch (the account's branch) per month with transactions: money in and out of the bank (进水/出水) in CNY,
    to and from other banks separately, and transaction counts. Moves between a customer's own
    accounts in the bank and the bank's postings are not flows.
    Built incrementally by month: a run reads only the transactions of the latest month already built and
    after (or of [refresh_from_month, refresh_to_month) when set) and replaces those months whole. -#}
{#- unique_key month_start: the delete removes every row of a rebuilt month, so a customer-branch with no
    flows left in it (say, a corrected booking branch) does not keep a stale row, as it would with
    [customer_id, branch_id, month_start]. Every month of the window has transactions, so none is skipped. -#}
{#- tag monthly: rebuilt by month, so a monthly-partitioned asset in Dagster (orchestration/defs/dbt);
    meta month_column: the months it holds, which Dagster's partition status reads. -#}
{{ config(
    tags=['monthly'],
    meta={'month_column': 'month_start'},
    materialized='incremental',
    unique_key='month_start',
    incremental_strategy=incremental_strategy_for('delete+insert'),
    partition_by=(['month_start'] if target.type == 'spark' else none),
    file_format=('parquet' if target.type == 'spark' else none),
    on_schema_change='fail'
) }}

{%- set latest_month_built = '(select max(month_start) from ' ~ this ~ ')' %}

with transactions as (
    select * from {{ ref('stg_bank__transactions') }}
    {%- if is_incremental() %}
    where {{ in_refresh_window('txn_date', latest_month_built) }}
    {%- endif %}
),

accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),

months as (
    select * from {{ ref('int_months') }}
    {%- if is_incremental() %}
    where {{ in_refresh_window('month_start', latest_month_built) }}
    {%- endif %}
),

account_rates as (
    -- a foreign-currency account's flows convert at the month's rate, as its balances do
    select account_id, month_start, cny_per_unit from {{ ref('int_account_months') }}
    {%- if is_incremental() %}
    where {{ in_refresh_window('month_start', latest_month_built) }}
    {%- endif %}
),

months_of_transactions as (
    select
        accounts.customer_id,
        accounts.branch_id,
        accounts.currency,
        cast({{ dbt.date_trunc('month', 'transactions.txn_date') }} as date) as month_start,
        transactions.txn_date,
        transactions.flow_scope,
        transactions.direction,
        transactions.is_other_bank,
        transactions.is_customer_initiated,
        transactions.account_id,
        transactions.amount as amount_in_currency
    from transactions
    inner join accounts on transactions.account_id = accounts.account_id
),

dated as (
    select
        months_of_transactions.*,
        months_of_transactions.amount_in_currency * case
            when months_of_transactions.currency = 'CNY' then 1 else account_rates.cny_per_unit
        end as amount
    from months_of_transactions
    left join account_rates
        on months_of_transactions.account_id = account_rates.account_id
        and months_of_transactions.month_start = account_rates.month_start
)

select
    dated.customer_id,
    dated.branch_id,
    dated.month_start,
    -- rounded to the fen here, once, at the finest grain: every customer and branch total above is then a
    -- sum of the same fen amounts, so the branch view and the customer view agree to the fen (a flow
    -- converted from another currency carries more decimals, and rounding each mart's own sums differed)
    {{ money("sum(case when flow_scope = 'external' and direction = 'credit' then amount else 0 end)") }} as inflow,
    {{ money("sum(case when flow_scope = 'external' and direction = 'debit' then amount else 0 end)") }} as outflow,
    {{ money("sum(case when flow_scope = 'external' and direction = 'credit' and is_other_bank then amount else 0 end)") }}
        as inflow_other_bank,
    {{ money("sum(case when flow_scope = 'external' and direction = 'debit' and is_other_bank then amount else 0 end)") }}
        as outflow_other_bank,
    count(*) as n_transactions,
    sum(case when is_customer_initiated then 1 else 0 end) as n_customer_transactions
from dated
inner join months on dated.month_start = months.month_start and dated.txn_date <= months.period_end
group by dated.customer_id, dated.branch_id, dated.month_start
