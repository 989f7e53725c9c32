{#- Consumption 消费导向型 (docs/rules.md section 5), one row per churn event: money out in the event's window
    to a consumption counterparty (churn_keywords seed) of at least churn_min_signal_outflow CNY; and what the
    customer said at a large-withdrawal registration (a consumption purpose, and whether the money went to
    another bank or an investment firm instead). -#}
{%- set min_out = var('churn_min_signal_outflow') %}

with windows as (
    select * from {{ ref('int_churn_event_windows') }}
),

window_outflows as (
    select * from {{ ref('int_churn_window_outflows') }}
),

consumption as (
    select
        churn_event_id,
        {{ sorted_list('txn_id') }} as consumption_txn_ids,
        {{ sorted_list('counterparty_category') }} as consumption_categories,
        {{ sorted_list('coalesce(' ~ counterparty_for_display('counterparty_name') ~ ', matched_keyword)') }} as consumption_counterparties,
        sum(amount) as consumption_outflow
    from window_outflows
    where is_consumption and amount >= {{ min_out }}
    group by churn_event_id
),

moved_elsewhere as (
    -- money that went to another bank or an investment firm, whatever the customer said
    select churn_event_id, sum(amount) as outflow_to_banks_and_firms
    from window_outflows
    where (is_other_bank or is_investment_firm) and not is_consumption and amount >= {{ min_out }}
    group by churn_event_id
),

registrations as (
    select
        windows.churn_event_id,
        {{ sorted_list('registrations.registration_id') }} as registration_ids,
        {{ sorted_list('registrations.stated_purpose') }} as stated_purposes,
        max(case when registrations.stated_purpose in ('house', 'car', 'education', 'medical', 'business')
            then 1 else 0 end) = 1 as has_stated_consumption_purpose
    from windows
    inner join {{ ref('stg_bank__withdrawal_registrations') }} as registrations
        on windows.customer_id = registrations.customer_id
        and registrations.registered_date between windows.window_start and windows.window_end
    group by windows.churn_event_id
)

select
    windows.churn_event_id,
    consumption.consumption_txn_ids,
    consumption.consumption_categories,
    consumption.consumption_counterparties,
    coalesce(consumption.consumption_outflow, 0) as consumption_outflow,
    registrations.registration_ids,
    registrations.stated_purposes,
    consumption.churn_event_id is not null as signal_consumption,
    coalesce(registrations.has_stated_consumption_purpose, false) as signal_stated_consumption_purpose,
    coalesce(registrations.has_stated_consumption_purpose, false)
        and consumption.churn_event_id is null
        and moved_elsewhere.churn_event_id is not null as signal_stated_purpose_mismatch
from windows
left join consumption on windows.churn_event_id = consumption.churn_event_id
left join moved_elsewhere on windows.churn_event_id = moved_elsewhere.churn_event_id
left join registrations on windows.churn_event_id = registrations.churn_event_id
