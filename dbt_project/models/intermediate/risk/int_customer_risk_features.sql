{#- Early warning 流失预警 (docs DOMAIN section 10): one row per funded customer-month (monthly daily-average AUM
    above zero) with every warning sign known at that month's end (period_end) and nothing after it, and the
    label the risk model learns from: a qualifying churn event of any type but special starting in the next
    risk_horizon_months months, with whether that outcome can be known yet.
    No feature reads a row dated after period_end: accounts opened later, maturity payouts, outflows,
    contacts, complaints and registrations after it are ignored; a maturity date ahead is known at opening. -#}
{%- set horizon = var('risk_horizon_months') %}
{%- set trend_months = var('risk_trend_months') %}

with customer_months as (
    select * from {{ ref('int_customer_months') }}
),

months as (
    select month_start, period_end, month_end from {{ ref('int_months') }} where not is_baseline
),

last_month as (
    select max(month_start) as last_month_start from months
),

accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),

transactions as (
    select transactions.*, accounts.customer_id
    from {{ ref('stg_bank__transactions') }} as transactions
    inner join accounts on transactions.account_id = accounts.account_id
),

external_txns as (
    select * from {{ ref('int_transactions_categorised') }}
),

tier_roles as (
    select tier, contacts_per_month from {{ ref('tier_roles') }}
),

funded as (
    select
        customer_months.customer_id,
        customer_months.home_branch_id,
        customer_months.month_start,
        months.period_end,
        customer_months.monthly_avg_aum,
        customer_months.month_end_aum,
        customer_months.measured_tier,
        customer_months.service_tier,
        customer_months.n_customer_transactions,
        -- the balance trend: this month's daily-average AUM against that of risk_trend_months months earlier
        lag(customer_months.monthly_avg_aum, {{ trend_months }}) over (
            partition by customer_months.customer_id order by customer_months.month_start
        ) as monthly_avg_aum_earlier,
        -- customer-initiated transactions: the last risk_trend_months months against the same span before
        sum(customer_months.n_customer_transactions) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between {{ trend_months - 1 }} preceding and current row
        ) as n_customer_txns_recent,
        sum(customer_months.n_customer_transactions) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between {{ 2 * trend_months - 1 }} preceding and {{ trend_months }} preceding
        ) as n_customer_txns_before
    from customer_months
    inner join months on customer_months.month_start = months.month_start
),

-- salary and other regular inflow (salary postings) per customer and month
salary_months as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'txn_date') }} as date) as month_start,
        count(*) as n_salary
    from transactions
    where txn_type = 'salary' and direction = 'credit'
    group by customer_id, cast({{ dbt.date_trunc('month', 'txn_date') }} as date)
),

salary_history as (
    select
        funded.customer_id,
        funded.month_start,
        sum(case when salary_months.month_start = funded.month_start then 1 else 0 end) as salary_this_month,
        sum(case when salary_months.month_start < funded.month_start then 1 else 0 end) as salary_months_before
    from funded
    inner join salary_months
        on funded.customer_id = salary_months.customer_id
        and salary_months.month_start <= funded.month_start
        and salary_months.month_start >= cast({{ dbt.dateadd('month', -var('risk_salary_lookback_months'), 'funded.month_start') }} as date)
    group by funded.customer_id, funded.month_start
),

-- maturities: the date an own-bank time deposit or wealth product matures (known once it is opened), and
-- payouts and redemptions as they happen
maturity_dates as (
    select customer_id, account_id, opened_date, closed_date, maturity_date
    from accounts
    where product_type in ('time_deposit', 'wealth_product') and maturity_date is not null
),

past_maturities as (
    select customer_id, maturity_date as event_date from maturity_dates
    union
    select customer_id, txn_date as event_date from transactions
    where txn_type in ('maturity_payout', 'product_redemption')
),

-- money that left for another bank or an investment firm within churn_product_days_after_maturity days after
-- a maturity: each such exit, dated by the outflow (known from that day on)
maturity_leaks as (
    select distinct past_maturities.customer_id, past_maturities.event_date, external_txns.txn_date as exit_date
    from past_maturities
    inner join external_txns
        on past_maturities.customer_id = external_txns.customer_id
        and external_txns.direction = 'debit'
        and (external_txns.is_other_bank or external_txns.is_investment_firm)
        and external_txns.amount >= {{ var('churn_min_signal_outflow') }}
        and external_txns.txn_date >= past_maturities.event_date
        and external_txns.txn_date <= cast({{ dbt.dateadd('day', var('churn_product_days_after_maturity'), 'past_maturities.event_date') }} as date)
),

leak_history as (
    select funded.customer_id, funded.month_start, count(distinct maturity_leaks.event_date) as n_earlier_maturities_left
    from funded
    inner join maturity_leaks
        on funded.customer_id = maturity_leaks.customer_id
        and maturity_leaks.exit_date <= funded.period_end
    group by funded.customer_id, funded.month_start
),

maturities_ahead as (
    select
        funded.customer_id,
        funded.month_start,
        count(*) as n_maturities_ahead,
        min(maturity_dates.maturity_date) as next_maturity_date
    from funded
    inner join maturity_dates
        on funded.customer_id = maturity_dates.customer_id
        and maturity_dates.opened_date <= funded.period_end
        and (maturity_dates.closed_date is null or maturity_dates.closed_date > funded.period_end)
        and maturity_dates.maturity_date > funded.period_end
        and maturity_dates.maturity_date <= cast({{ dbt.dateadd('month', horizon, 'funded.period_end') }} as date)
    group by funded.customer_id, funded.month_start
),

-- money already moving out to other banks or securities / fund firms in the month
moving_out as (
    select
        funded.customer_id,
        funded.month_start,
        sum(external_txns.amount) as outflow_other_bank_month
    from funded
    inner join external_txns
        on funded.customer_id = external_txns.customer_id
        and external_txns.direction = 'debit'
        and (external_txns.is_other_bank or external_txns.is_investment_firm)
        and external_txns.txn_date >= funded.month_start
        and external_txns.txn_date <= funded.period_end
    group by funded.customer_id, funded.month_start
),

contact_logs as (
    select customer_id, contact_date, is_successful from {{ ref('stg_bank__contact_logs') }}
),

contacts_delivered as (
    select min(contact_date) as first_contact_date from contact_logs
),

last_contact as (
    select funded.customer_id, funded.month_start, max(contact_logs.contact_date) as last_successful_contact_date
    from funded
    inner join contact_logs
        on funded.customer_id = contact_logs.customer_id
        and contact_logs.is_successful
        and contact_logs.contact_date <= funded.period_end
    group by funded.customer_id, funded.month_start
),

open_complaints as (
    select funded.customer_id, funded.month_start, count(*) as n_open_complaints
    from funded
    inner join {{ ref('stg_bank__complaints') }} as complaints
        on funded.customer_id = complaints.customer_id
        and complaints.created_date <= funded.period_end
        and (complaints.resolved_ts is null or cast(complaints.resolved_ts as date) > funded.period_end)
    group by funded.customer_id, funded.month_start
),

-- complaints received in the risk_recent_complaint_days days up to the month end and already resolved by it
-- (an unresolved one is the open-complaint sign): the grievance was answered, the customer may still go
recent_complaints as (
    select funded.customer_id, funded.month_start, count(*) as n_recent_resolved_complaints
    from funded
    inner join {{ ref('stg_bank__complaints') }} as complaints
        on funded.customer_id = complaints.customer_id
        and complaints.created_date <= funded.period_end
        and complaints.created_date >= cast({{ dbt.dateadd('day', -var('risk_recent_complaint_days'), 'funded.period_end') }} as date)
        and complaints.resolved_ts is not null
        and cast(complaints.resolved_ts as date) <= funded.period_end
    group by funded.customer_id, funded.month_start
),

registrations as (
    -- a large-withdrawal registration made by the month end whose planned date is at most
    -- risk_registration_days_back days before it (or still ahead)
    select funded.customer_id, funded.month_start, count(*) as n_registrations, sum(registrations.amount) as registered_amount
    from funded
    inner join {{ ref('stg_bank__withdrawal_registrations') }} as registrations
        on funded.customer_id = registrations.customer_id
        and registrations.registered_date <= funded.period_end
        and registrations.planned_date >= cast({{ dbt.dateadd('day', -var('risk_registration_days_back'), 'funded.period_end') }} as date)
    group by funded.customer_id, funded.month_start
),

-- special-type (intermediary) customers: a special event that began before this month
special_customers as (
    select funded.customer_id, funded.month_start, count(*) as n_special_events
    from funded
    inner join {{ ref('int_churn_events') }} as events
        on funded.customer_id = events.customer_id
        and events.exclude_from_retention
        and events.last_month < funded.month_start
    group by funded.customer_id, funded.month_start
),

-- what the branch's staff can call in the month: their daily capacities times the month's working days
-- (the back-test's top k is risk_capacity_share of it)
branch_capacity as (
    select staff_months.branch_id, staff_months.month_start,
        sum(staff_months.daily_capacity) * max(working.n_working_days) as monthly_call_capacity
    from {{ ref('int_staff_months') }} as staff_months
    inner join (
        select month_start, sum(case when is_working_day then 1 else 0 end) as n_working_days
        from {{ ref('int_working_days') }}
        group by month_start
    ) as working on staff_months.month_start = working.month_start
    group by staff_months.branch_id, staff_months.month_start
),

-- the label: the first qualifying non-special event starting in months m+1 .. m+horizon
events as (
    select customer_id, event_month, churn_type, amount_lost
    from {{ ref('int_churn_events') }}
    where not exclude_from_retention
),

event_starts as (
    -- the day the money started to leave: the first outflow of the event's first month, else its first day
    select events.customer_id, events.event_month, min(external_txns.txn_date) as first_outflow_date
    from events
    inner join external_txns
        on events.customer_id = external_txns.customer_id
        and external_txns.direction = 'debit'
        and external_txns.txn_date >= events.event_month
        and external_txns.txn_date <= cast({{ dbt.last_day('events.event_month', 'month') }} as date)
    group by events.customer_id, events.event_month
),

next_events as (
    select
        funded.customer_id,
        funded.month_start,
        events.event_month,
        events.churn_type,
        events.amount_lost,
        coalesce(event_starts.first_outflow_date, events.event_month) as event_start_date,
        row_number() over (partition by funded.customer_id, funded.month_start order by events.event_month) as event_rank
    from funded
    inner join events
        on funded.customer_id = events.customer_id
        and events.event_month > funded.month_start
        and events.event_month <= cast({{ dbt.dateadd('month', horizon, 'funded.month_start') }} as date)
    left join event_starts
        on events.customer_id = event_starts.customer_id and events.event_month = event_starts.event_month
),

joined as (
    select
        funded.*,
        case when funded.monthly_avg_aum_earlier > 0
            then (funded.monthly_avg_aum - funded.monthly_avg_aum_earlier) / funded.monthly_avg_aum_earlier
        end as aum_trend,
        coalesce(salary_history.salary_this_month, 0) as salary_this_month,
        coalesce(salary_history.salary_months_before, 0) as salary_months_before,
        coalesce(leak_history.n_earlier_maturities_left, 0) as n_earlier_maturities_left,
        coalesce(maturities_ahead.n_maturities_ahead, 0) as n_maturities_ahead,
        maturities_ahead.next_maturity_date,
        coalesce(moving_out.outflow_other_bank_month, 0) as outflow_other_bank_month,
        last_contact.last_successful_contact_date,
        case when contacts_delivered.first_contact_date <= funded.period_end then 'delivered' else 'not_delivered' end
            as contact_evidence,
        365.25 / 12 / nullif(tier_roles.contacts_per_month, 0) as cadence_days,
        tier_roles.contacts_per_month,
        {{ tier_floor('funded.measured_tier') }} as tier_floor_aum,
        coalesce(open_complaints.n_open_complaints, 0) as n_open_complaints,
        coalesce(recent_complaints.n_recent_resolved_complaints, 0) as n_recent_resolved_complaints,
        coalesce(registrations.n_registrations, 0) as n_registrations,
        coalesce(registrations.registered_amount, 0) as registered_amount,
        coalesce(special_customers.n_special_events, 0) > 0 as is_special_customer,
        coalesce(branch_capacity.monthly_call_capacity, 0) as branch_monthly_call_capacity,
        next_events.event_month as next_event_month,
        next_events.churn_type as next_event_churn_type,
        next_events.amount_lost as next_event_amount_lost,
        next_events.event_start_date as next_event_start_date,
        cast({{ dbt.dateadd('month', horizon, 'funded.month_start') }} as date) <= last_month.last_month_start as is_outcome_known
    from funded
    cross join last_month
    cross join contacts_delivered
    left join salary_history on funded.customer_id = salary_history.customer_id and funded.month_start = salary_history.month_start
    left join leak_history on funded.customer_id = leak_history.customer_id and funded.month_start = leak_history.month_start
    left join maturities_ahead on funded.customer_id = maturities_ahead.customer_id and funded.month_start = maturities_ahead.month_start
    left join moving_out on funded.customer_id = moving_out.customer_id and funded.month_start = moving_out.month_start
    left join last_contact on funded.customer_id = last_contact.customer_id and funded.month_start = last_contact.month_start
    left join tier_roles on funded.service_tier = tier_roles.tier
    left join open_complaints on funded.customer_id = open_complaints.customer_id and funded.month_start = open_complaints.month_start
    left join recent_complaints on funded.customer_id = recent_complaints.customer_id and funded.month_start = recent_complaints.month_start
    left join registrations on funded.customer_id = registrations.customer_id and funded.month_start = registrations.month_start
    left join special_customers on funded.customer_id = special_customers.customer_id and funded.month_start = special_customers.month_start
    left join branch_capacity on funded.home_branch_id = branch_capacity.branch_id and funded.month_start = branch_capacity.month_start
    left join next_events on funded.customer_id = next_events.customer_id and funded.month_start = next_events.month_start
        and next_events.event_rank = 1
    where funded.monthly_avg_aum > 0
)

select
    -- ids
    customer_id,
    home_branch_id,
    month_start,
    period_end,
    -- the money, CNY
    monthly_avg_aum,
    month_end_aum,
    measured_tier,
    service_tier,
    -- raw measures behind the signs
    aum_trend,
    n_customer_txns_recent,
    n_customer_txns_before,
    salary_this_month,
    salary_months_before,
    n_earlier_maturities_left,
    n_maturities_ahead,
    next_maturity_date,
    outflow_other_bank_month,
    last_successful_contact_date,
    {{ dbt.datediff('last_successful_contact_date', 'period_end', 'day') }} as days_since_successful_contact,
    contact_evidence,
    cadence_days,
    contacts_per_month,
    tier_floor_aum,
    case when tier_floor_aum > 0 then (monthly_avg_aum - tier_floor_aum) / tier_floor_aum end as tier_floor_margin,
    n_open_complaints,
    n_recent_resolved_complaints,
    n_registrations,
    registered_amount,
    -- the warning signs, 1 or 0 (the model's features; names match the risk_rule_weights seed)
    case when n_maturities_ahead > 0 and n_earlier_maturities_left > 0 then 1 else 0 end as f_maturity_after_leak,
    case when n_maturities_ahead > 0 and n_earlier_maturities_left = 0 then 1 else 0 end as f_maturity_ahead,
    case when aum_trend <= {{ var('risk_balance_trend_drop') }} then 1 else 0 end as f_balance_falling,
    case when n_customer_txns_before >= {{ var('risk_activity_min_before') }}
        and n_customer_txns_recent <= {{ var('risk_activity_drop_share') }} * n_customer_txns_before then 1 else 0 end
        as f_activity_falling,
    case when salary_months_before >= {{ var('risk_salary_min_months') }} and salary_this_month = 0 then 1 else 0 end
        as f_salary_stopped,
    case when contact_evidence = 'delivered' and cadence_days is not null
        and (last_successful_contact_date is null
             or {{ dbt.datediff('last_successful_contact_date', 'period_end', 'day') }}
                > {{ var('risk_no_contact_cadence_multiple') }} * cadence_days) then 1 else 0 end
        as f_no_contact,
    -- neglect, the long level: past risk_long_no_contact_cadence_multiple cadences, in a tier whose routine is at
    -- least risk_long_no_contact_min_contacts_per_month contacts a month (a named contact person who calls)
    case when contact_evidence = 'delivered' and cadence_days is not null
        and contacts_per_month >= {{ var('risk_long_no_contact_min_contacts_per_month') }}
        and (last_successful_contact_date is null
             or {{ dbt.datediff('last_successful_contact_date', 'period_end', 'day') }}
                > {{ var('risk_long_no_contact_cadence_multiple') }} * cadence_days) then 1 else 0 end
        as f_long_no_contact,
    case when n_open_complaints > 0 then 1 else 0 end as f_open_complaint,
    case when n_recent_resolved_complaints > 0 then 1 else 0 end as f_recent_complaint,
    -- the tier floor, two levels: the daily-average AUM at most risk_tier_floor_close_margin above the floor of its
    -- measured tier (a small fall drops the tier, a churn event), or at most risk_tier_floor_near_margin above it
    case when tier_floor_aum > 0
        and monthly_avg_aum <= (1 + {{ var('risk_tier_floor_close_margin') }}) * tier_floor_aum then 1 else 0 end
        as f_at_tier_floor,
    case when tier_floor_aum > 0
        and monthly_avg_aum > (1 + {{ var('risk_tier_floor_close_margin') }}) * tier_floor_aum
        and monthly_avg_aum <= (1 + {{ var('risk_tier_floor_near_margin') }}) * tier_floor_aum then 1 else 0 end
        as f_near_tier_floor,
    case when n_registrations > 0 then 1 else 0 end as f_withdrawal_registration,
    case when outflow_other_bank_month >= {{ var('churn_min_signal_outflow') }}
        and outflow_other_bank_month >= {{ var('risk_moving_out_share') }} * monthly_avg_aum then 1 else 0 end
        as f_moving_out,
    is_special_customer,
    branch_monthly_call_capacity,
    -- the label (known only when the whole horizon lies inside the data)
    is_outcome_known,
    case when next_event_month is not null then 1 else 0 end as churned_within_horizon,
    next_event_month,
    next_event_start_date,
    next_event_churn_type,
    next_event_amount_lost
from joined
