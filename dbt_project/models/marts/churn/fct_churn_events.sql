{#- One row per churn event (docs/rules.md section 5): who, when, tiers and AUM before and after, the amount
    lost, every churn-type signal that matched (one column each) with its evidence, the primary type by
    the precedence in the churn_types seed, and the action to take.
    Signals read the customer's activity from the start of the month before the event to the end of its
    last month (the event window). -#}
{%- set min_out = var('churn_min_signal_outflow') %}

with events as (
    select * from {{ ref('int_churn_events_detected') }}
),

months as (
    select month_start, period_end from {{ ref('int_months') }}
),

customers as (
    select customer_id, onboarded_date from {{ ref('stg_bank__customers') }}
),

external_txns as (
    select * from {{ ref('int_transactions_categorised') }}
),

windows as (
    select
        events.*,
        cast({{ dbt.dateadd('month', -1, 'events.event_month') }} as date) as window_start,
        last_months.period_end as window_end,
        first_months.period_end as first_period_end
    from events
    inner join months as first_months on events.event_month = first_months.month_start
    inner join months as last_months on events.last_month = last_months.month_start
),

window_outflows as (
    select windows.churn_event_id, external_txns.*
    from windows
    inner join external_txns
        on windows.customer_id = external_txns.customer_id
        and external_txns.direction = 'debit'
        and external_txns.txn_date between windows.window_start and windows.window_end
),

outflow_totals as (
    select
        churn_event_id,
        sum(amount) as outflow_in_window,
        sum(case when is_other_bank then amount else 0 end) as outflow_other_bank_in_window
    from window_outflows
    group by churn_event_id
),

-- Product 产品导向型 --------------------------------------------------------------------------------------
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
product as (
    select
        product_evidence.*,
        exits.product_outflow
    from product_evidence
    inner join (
        select windows.churn_event_id, sum(distinct_exits.amount) as product_outflow
        from windows
        inner join (select distinct customer_id, txn_id, txn_date, amount from maturity_exits) as distinct_exits
            on windows.customer_id = distinct_exits.customer_id
            and distinct_exits.txn_date between windows.window_start and windows.window_end
        group by windows.churn_event_id
    ) as exits on product_evidence.churn_event_id = exits.churn_event_id
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
),

-- Service 服务导向型 --------------------------------------------------------------------------------------
complaints as (
    select
        windows.churn_event_id,
        {{ sorted_list('complaints.complaint_id') }} as complaint_ids
    from windows
    inner join {{ ref('stg_bank__complaints') }} as complaints
        on windows.customer_id = complaints.customer_id
        and complaints.created_date >= cast({{ dbt.dateadd('day', -var('churn_service_complaint_days'), 'windows.event_month') }} as date)
        and complaints.created_date <= windows.window_end
    group by windows.churn_event_id
),

last_contact as (
    select
        windows.churn_event_id,
        max(contacts.contact_date) as last_successful_contact_date
    from windows
    inner join {{ ref('stg_bank__contact_logs') }} as contacts
        on windows.customer_id = contacts.customer_id
        and contacts.is_successful
        and contacts.contact_date <= windows.first_period_end
    group by windows.churn_event_id
),

contact_gaps as (
    -- days without a successful contact at the end of the event's first month (since onboarding if never)
    select
        windows.churn_event_id,
        last_contact.last_successful_contact_date,
        {{ dbt.datediff('coalesce(last_contact.last_successful_contact_date, customers.onboarded_date)', 'windows.first_period_end', 'day') }}
            as days_since_last_successful_contact
    from windows
    inner join customers on windows.customer_id = customers.customer_id
    left join last_contact on windows.churn_event_id = last_contact.churn_event_id
),

-- Consumption 消费导向型 and what customers say --------------------------------------------------------------
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
),

-- Special 特殊导向型 --------------------------------------------------------------------------------------
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
        and external_txns.txn_date <= (select max(period_end) from months)
    group by parked_by_date.churn_event_id, parked_by_date.assessment_date
),

special as (
    select
        parked_by_date.churn_event_id,
        {{ sorted_list('parked_by_date.inflow_txn_ids', "', '", distinct=false) }} as special_inflow_txn_ids,
        {{ sorted_list('parked_exits.exit_txn_ids', "'; '", distinct=false) }} as special_outflow_txn_ids,
        max(parked_by_date.assessment_date) as special_assessment_date,
        sum(parked_by_date.parked_amount) as special_parked_amount,
        max(customer_months.month_end_aum / nullif(customer_months.monthly_avg_aum, 0)) as special_month_end_to_average
    from parked_by_date
    inner join parked_exits
        on parked_by_date.churn_event_id = parked_exits.churn_event_id
        and parked_by_date.assessment_date = parked_exits.assessment_date
    left join {{ ref('fct_customer_months') }} as customer_months
        on parked_by_date.customer_id = customer_months.customer_id
        and customer_months.month_start = cast({{ dbt.date_trunc('month', 'parked_by_date.assessment_date') }} as date)
    where parked_exits.amount_out_after >= {{ var('churn_special_out_share') }} * parked_by_date.parked_amount
    group by parked_by_date.churn_event_id
),

-- What the bank delivered: evidence never delivered is unknown, not absent (docs/rules.md section 5) --------
deliveries as (
    select
        (select min(contact_date) from {{ ref('stg_bank__contact_logs') }}) as first_contact_date,
        (select max(contact_date) from {{ ref('stg_bank__contact_logs') }}) as last_contact_date,
        (select min(created_date) from {{ ref('stg_bank__complaints') }}) as first_complaint_date,
        (select max(created_date) from {{ ref('stg_bank__complaints') }}) as last_complaint_date
),

neglect_windows as (
    -- the gap that counts as neglect: more than churn_service_neglect_cadence_multiple times the tier's
    -- contact interval (tier_roles) before the first month's end; gap_start is the day it had to start
    select
        windows.churn_event_id,
        {{ var('churn_service_neglect_cadence_multiple') }} * 365.25 / 12
            / nullif(tier_roles.contacts_per_month, 0) as neglect_days,
        cast({{ dbt.dateadd('day', '-cast(ceiling(coalesce(' ~ var('churn_service_neglect_cadence_multiple')
            ~ ' * 365.25 / 12 / nullif(tier_roles.contacts_per_month, 0), 0)) as integer)',
            'windows.first_period_end') }} as date) as gap_start
    from windows
    left join {{ ref('tier_roles') }} as tier_roles on windows.tier_before = tier_roles.tier
),

evidence as (
    -- contacts are known when the logs delivered began on or before the gap's start and reach it;
    -- complaints when the complaints delivered span part of the period the signal reads
    select
        windows.churn_event_id,
        neglect_windows.neglect_days,
        case when deliveries.first_contact_date <= neglect_windows.gap_start
                and deliveries.last_contact_date >= neglect_windows.gap_start
            then 'delivered' else 'not_delivered' end as contact_evidence,
        case when deliveries.first_complaint_date <= windows.window_end
                and deliveries.last_complaint_date
                    >= cast({{ dbt.dateadd('day', -var('churn_service_complaint_days'), 'windows.event_month') }} as date)
            then 'delivered' else 'not_delivered' end as complaint_evidence
    from windows
    inner join neglect_windows on windows.churn_event_id = neglect_windows.churn_event_id
    cross join deliveries
),

-- All signals, one column each -------------------------------------------------------------------------------
signals as (
    select
        windows.*,
        evidence.contact_evidence,
        evidence.complaint_evidence,
        case when evidence.contact_evidence = 'delivered'
            then contact_gaps.days_since_last_successful_contact end as days_since_last_successful_contact,
        contact_gaps.last_successful_contact_date,
        tier_roles.contacts_per_month as tier_before_contacts_per_month,
        coalesce(outflow_totals.outflow_in_window, 0) as outflow_in_window,
        coalesce(outflow_totals.outflow_other_bank_in_window, 0) as outflow_other_bank_in_window,
        product.product_txn_ids,
        product.product_maturity_dates,
        product.product_counterparties,
        coalesce(product.product_outflow, 0) as product_outflow,
        coalesce(product_history.product_earlier_maturities_left, 0) as product_earlier_maturities_left,
        complaints.complaint_ids,
        consumption.consumption_txn_ids,
        consumption.consumption_categories,
        consumption.consumption_counterparties,
        coalesce(consumption.consumption_outflow, 0) as consumption_outflow,
        registrations.registration_ids,
        registrations.stated_purposes,
        special.special_inflow_txn_ids,
        special.special_outflow_txn_ids,
        special.special_assessment_date,
        special.special_parked_amount,
        special.special_month_end_to_average,
        product.churn_event_id is not null as signal_product,
        -- null: the complaints or contact logs that would show it were not delivered for the period
        case when evidence.complaint_evidence = 'delivered' then
            windows.tier_before_rank in (1, 2) and complaints.churn_event_id is not null
        end as signal_service_complaint,
        case when evidence.contact_evidence = 'delivered' then
            windows.tier_before_rank in (1, 2) and tier_roles.contacts_per_month > 0
            and contact_gaps.days_since_last_successful_contact > evidence.neglect_days
        end as signal_service_no_contact,
        consumption.churn_event_id is not null as signal_consumption,
        coalesce(registrations.has_stated_consumption_purpose, false) as signal_stated_consumption_purpose,
        coalesce(registrations.has_stated_consumption_purpose, false)
            and consumption.churn_event_id is null
            and moved_elsewhere.churn_event_id is not null as signal_stated_purpose_mismatch,
        special.churn_event_id is not null as signal_special
    from windows
    inner join contact_gaps on windows.churn_event_id = contact_gaps.churn_event_id
    inner join evidence on windows.churn_event_id = evidence.churn_event_id
    left join {{ ref('tier_roles') }} as tier_roles on windows.tier_before = tier_roles.tier
    left join outflow_totals on windows.churn_event_id = outflow_totals.churn_event_id
    left join product on windows.churn_event_id = product.churn_event_id
    left join product_history on windows.churn_event_id = product_history.churn_event_id
    left join complaints on windows.churn_event_id = complaints.churn_event_id
    left join consumption on windows.churn_event_id = consumption.churn_event_id
    left join moved_elsewhere on windows.churn_event_id = moved_elsewhere.churn_event_id
    left join registrations on windows.churn_event_id = registrations.churn_event_id
    left join special on windows.churn_event_id = special.churn_event_id
),

-- Precedence, in one place: every matched type, and the one with the lowest precedence number wins ----------
matched_types as (
    select churn_event_id, 'special' as churn_type from signals where signal_special
    union all
    select churn_event_id, 'consumption' from signals where signal_consumption
    union all
    select churn_event_id, 'product' from signals where signal_product
    union all
    select churn_event_id, 'service' from signals where signal_service_complaint or signal_service_no_contact
),

ranked_types as (
    select
        matched_types.churn_event_id,
        matched_types.churn_type,
        churn_types.precedence,
        row_number() over (partition by matched_types.churn_event_id order by churn_types.precedence) as type_rank
    from matched_types
    inner join {{ ref('churn_types') }} as churn_types on matched_types.churn_type = churn_types.churn_type
),

type_summary as (
    select
        churn_event_id,
        {{ dbt.listagg('churn_type', "', '", 'order by precedence') }} as matched_churn_types,
        count(*) as n_matched_types,
        max(case when type_rank = 1 then churn_type end) as primary_type
    from ranked_types
    group by churn_event_id
)

select
    -- ids
    signals.churn_event_id,
    signals.customer_id,
    signals.home_branch_id,
    -- when
    signals.event_month,
    signals.last_month,
    signals.n_months,
    signals.window_start,
    signals.window_end,
    -- why the months qualified
    signals.qualified_by_tier_drop,
    signals.qualified_by_aum_fall,
    signals.qualified_by_account_closure,
    -- before and after, CNY
    signals.tier_before,
    signals.tier_after,
    signals.month_end_aum_before,
    signals.month_end_aum_after,
    signals.monthly_avg_aum_before,
    signals.monthly_avg_aum_after,
    {{ money('greatest(signals.month_end_aum_before - signals.month_end_aum_after, 0)') }} as amount_lost,
    {{ money('signals.outflow_in_window') }} as outflow_in_window,
    {{ money('signals.outflow_other_bank_in_window') }} as outflow_other_bank_in_window,
    -- the type: primary by precedence, and every type that matched
    coalesce(type_summary.primary_type, 'unclassified') as churn_type,
    coalesce(type_summary.matched_churn_types, '') as matched_churn_types,
    coalesce(type_summary.n_matched_types, 0) as n_matched_types,
    -- signals, one column each
    signals.signal_special,
    signals.signal_consumption,
    signals.signal_product,
    signals.signal_service_complaint,
    signals.signal_service_no_contact,
    -- whether the evidence the service signals read was delivered (not_delivered: the signal is unknown)
    signals.contact_evidence,
    signals.complaint_evidence,
    signals.signal_stated_consumption_purpose,
    signals.signal_stated_purpose_mismatch,
    -- evidence
    signals.product_txn_ids,
    signals.product_maturity_dates,
    signals.product_counterparties,
    {{ money('signals.product_outflow') }} as product_outflow,
    signals.product_earlier_maturities_left,
    signals.complaint_ids,
    signals.last_successful_contact_date,
    signals.days_since_last_successful_contact,
    signals.consumption_txn_ids,
    signals.consumption_categories,
    signals.consumption_counterparties,
    {{ money('signals.consumption_outflow') }} as consumption_outflow,
    signals.registration_ids,
    signals.stated_purposes,
    signals.special_inflow_txn_ids,
    signals.special_outflow_txn_ids,
    signals.special_assessment_date,
    signals.special_parked_amount,
    signals.special_month_end_to_average,
    -- what to do
    churn_types.recommended_action,
    churn_types.exclude_from_retention
from signals
left join type_summary on signals.churn_event_id = type_summary.churn_event_id
inner join {{ ref('churn_types') }} as churn_types
    on coalesce(type_summary.primary_type, 'unclassified') = churn_types.churn_type
