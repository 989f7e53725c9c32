{#- Product 产品导向型 (docs/rules.md section 5), one row per churn event: money that left for another bank or an
    investment firm within churn_product_days_after_maturity days after a time deposit or wealth product
    matured or was redeemed, inside the event's window; with the evidence, the money (each exit once), and
    how many earlier maturities also left. -#}
{%- set min_out = var('churn_min_signal_outflow') %}

with windows as (
    select * from {{ ref('int_churn_event_windows') }}
),

external_txns as (
    select * from {{ ref('int_transactions_categorised') }}
),

maturities as (
    select customer_id, maturity_date, account_id as source_id
    from {{ ref('stg_bank__accounts') }}
    where product_type in ('time_deposit', 'wealth_product') and maturity_date is not null
    union all
    select accounts.customer_id, transactions.txn_date as maturity_date, transactions.txn_id as source_id
    from {{ ref('stg_bank__transactions') }} as transactions
    inner join {{ ref('stg_bank__accounts') }} as accounts on transactions.account_id = accounts.account_id
    where transactions.txn_type in ('maturity_payout', 'product_redemption')
),

maturity_exits as (
    -- an outflow to another bank or an investment firm within N days after a maturity or redemption
    select
        maturities.customer_id,
        maturities.maturity_date,
        external_txns.txn_id,
        external_txns.txn_date,
        external_txns.counterparty_bank,
        external_txns.counterparty_name,
        external_txns.amount
    from maturities
    inner join external_txns
        on maturities.customer_id = external_txns.customer_id
        and external_txns.direction = 'debit'
        and (external_txns.is_other_bank or external_txns.is_investment_firm)
        and external_txns.amount >= {{ min_out }}
        and external_txns.txn_date >= maturities.maturity_date
        and external_txns.txn_date <= cast({{ dbt.dateadd('day', var('churn_product_days_after_maturity'), 'maturities.maturity_date') }} as date)
),

product_evidence as (
    select
        windows.churn_event_id,
        {{ sorted_list('maturity_exits.txn_id') }} as product_txn_ids,
        {{ sorted_list(dbt.cast('maturity_exits.maturity_date', api.Column.translate_type('string'))) }} as product_maturity_dates,
        {{ sorted_list("coalesce(maturity_exits.counterparty_bank, " ~ counterparty_for_display('maturity_exits.counterparty_name') ~ ")") }} as product_counterparties
    from windows
    inner join maturity_exits
        on windows.customer_id = maturity_exits.customer_id
        and maturity_exits.txn_date between windows.window_start and windows.window_end
    group by windows.churn_event_id
),

-- the money: each exit once, however many maturities it follows (a maturity is known from the account's
-- maturity_date and again from its payout transaction)
product_money as (
    select windows.churn_event_id, sum(distinct_exits.amount) as product_outflow
    from windows
    inner join (select distinct customer_id, txn_id, txn_date, amount from maturity_exits) as distinct_exits
        on windows.customer_id = distinct_exits.customer_id
        and distinct_exits.txn_date between windows.window_start and windows.window_end
    group by windows.churn_event_id
),

product_history as (
    -- earlier maturities whose money also left raise confidence
    select
        windows.churn_event_id,
        count(distinct maturity_exits.maturity_date) as product_earlier_maturities_left
    from windows
    inner join maturity_exits
        on windows.customer_id = maturity_exits.customer_id
        and maturity_exits.txn_date < windows.window_start
    group by windows.churn_event_id
)

select
    windows.churn_event_id,
    product_evidence.product_txn_ids,
    product_evidence.product_maturity_dates,
    product_evidence.product_counterparties,
    coalesce(product_money.product_outflow, 0) as product_outflow,
    coalesce(product_history.product_earlier_maturities_left, 0) as product_earlier_maturities_left,
    product_evidence.churn_event_id is not null as signal_product
from windows
left join product_evidence on windows.churn_event_id = product_evidence.churn_event_id
left join product_money on windows.churn_event_id = product_money.churn_event_id
left join product_history on windows.churn_event_id = product_history.churn_event_id
