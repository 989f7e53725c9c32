{#- Special 特殊导向型 (docs/rules.md section 5), one row per churn event: an inflow of at least
    churn_special_min_inflow CNY in the churn_special_days_before days before a month end (an assessment
    date), of which at least churn_special_out_share left in the churn_special_days_after days after it:
    money parked to lift a month-end or daily-average figure (日均/时点). Never chased. -#}
with windows as (
    select * from {{ ref('int_churn_event_windows') }}
),

external_txns as (
    select * from {{ ref('int_transactions_categorised') }}
),

parked_inflows as (
    select
        windows.churn_event_id,
        windows.customer_id,
        external_txns.txn_id,
        external_txns.amount,
        cast({{ dbt.last_day('external_txns.txn_date', 'month') }} as date) as assessment_date
    from windows
    inner join external_txns
        on windows.customer_id = external_txns.customer_id
        and external_txns.direction = 'credit'
        and external_txns.amount >= {{ var('churn_special_min_inflow') }}
        and external_txns.txn_date between windows.window_start and windows.window_end
    where {{ dbt.datediff('external_txns.txn_date', dbt.last_day('external_txns.txn_date', 'month'), 'day') }}
        <= {{ var('churn_special_days_before') }}
),

-- per assessment date: the money parked in the days before it, and the money out in the days after it,
-- each transaction once (two parked inflows share the exits after the same month end)
parked_by_date as (
    select
        churn_event_id,
        customer_id,
        assessment_date,
        sum(amount) as parked_amount,
        {{ sorted_list('txn_id') }} as inflow_txn_ids
    from parked_inflows
    group by churn_event_id, customer_id, assessment_date
),

parked_exits as (
    select
        parked_by_date.churn_event_id,
        parked_by_date.assessment_date,
        sum(external_txns.amount) as amount_out_after,
        {{ sorted_list('external_txns.txn_id') }} as exit_txn_ids
    from parked_by_date
    inner join external_txns
        on parked_by_date.customer_id = external_txns.customer_id
        and external_txns.direction = 'debit'
        and external_txns.txn_date > parked_by_date.assessment_date
        and external_txns.txn_date <= cast({{ dbt.dateadd('day', var('churn_special_days_after'), 'parked_by_date.assessment_date') }} as date)
        -- nothing after the as-of date is part of this picture
        and external_txns.txn_date <= (select max(period_end) from {{ ref('int_months') }})
    group by parked_by_date.churn_event_id, parked_by_date.assessment_date
),

special as (
    select
        parked_by_date.churn_event_id,
        {{ sorted_list('parked_by_date.inflow_txn_ids', "', '", distinct=false) }} as special_inflow_txn_ids,
        {{ sorted_list('parked_exits.exit_txn_ids', "'; '", distinct=false) }} as special_outflow_txn_ids,
        max(parked_by_date.assessment_date) as special_assessment_date,
        {{ typed('sum(parked_by_date.parked_amount)', 'decimal(38, 2)') }} as special_parked_amount,
        {{ typed('max(customer_months.month_end_aum / nullif(customer_months.monthly_avg_aum, 0))', type_double()) }} as special_month_end_to_average
    from parked_by_date
    inner join parked_exits
        on parked_by_date.churn_event_id = parked_exits.churn_event_id
        and parked_by_date.assessment_date = parked_exits.assessment_date
    left join {{ ref('int_customer_months') }} as customer_months
        on parked_by_date.customer_id = customer_months.customer_id
        and customer_months.month_start = cast({{ dbt.date_trunc('month', 'parked_by_date.assessment_date') }} as date)
    where parked_exits.amount_out_after >= {{ var('churn_special_out_share') }} * parked_by_date.parked_amount
    group by parked_by_date.churn_event_id
)

select
    windows.churn_event_id,
    special.special_inflow_txn_ids,
    special.special_outflow_txn_ids,
    special.special_assessment_date,
    special.special_parked_amount,
    special.special_month_end_to_average,
    special.churn_event_id is not null as signal_special
from windows
left join special on windows.churn_event_id = special.churn_event_id
