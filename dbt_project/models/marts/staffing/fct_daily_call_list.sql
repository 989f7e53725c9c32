{#- One row per staff member per working day per customer to call, for the plan month: the article's
    step 3, contacts turned into each person's daily list, most urgent first (call_order 1).
    Scheduling: a churn rescue on the month's first working day (due within
    var churn_rescue_due_working_days); a prevention call (a high expected loss in the early warning) on
    the first working day of its window (7-15 days before the maturity it is about, else its slot in the
    first var prevention_due_working_days working days), with the risk's reasons and suggested action; a
    maturity reminder on the first working day of its window (7-15 days before the maturity); routine
    contacts spread evenly over the month's working days in the order they fall due. Customers without a usable phone are counter tasks instead
    (fct_counter_tasks); special (intermediary) customers never appear. -#}
with plan as (
    select * from {{ ref('int_plan_month') }}
),

contacts as (
    select planned.*
    from {{ ref('int_planned_contacts') }} as planned
    inner join plan on planned.month_start = plan.plan_month
    where planned.has_usable_phone
),

working_days as (
    select * from {{ ref('int_plan_working_days') }}
    where is_working_day
),

month_days as (
    select month_start, max(working_day_number) as n_working_days
    from working_days
    group by month_start
),

-- the first working day on or after the earliest day (else the month's last working day)
first_possible as (
    select
        contacts.customer_id,
        contacts.contact_reason,
        contacts.contact_reference,
        coalesce(
            min(case when working_days.calendar_date >= contacts.earliest_date then working_days.working_day_number end),
            max(working_days.working_day_number)
        ) as earliest_working_day
    from contacts
    inner join working_days on working_days.month_start = contacts.month_start
    group by contacts.customer_id, contacts.contact_reason, contacts.contact_reference
),

routine_ranked as (
    select
        contacts.customer_id,
        contacts.contact_reason,
        contacts.contact_reference,
        row_number() over (
            partition by contacts.staff_id
            order by contacts.due_date, contacts.earliest_date, contacts.customer_id, contacts.contact_reference
        ) as routine_rank,
        count(*) over (partition by contacts.staff_id) as n_routine
    from contacts
    where contacts.contact_reason = 'routine'
),

scheduled as (
    select
        contacts.*,
        case
            when contacts.contact_reason = 'routine' then greatest(
                first_possible.earliest_working_day,
                cast(floor((routine_ranked.routine_rank - 1) * month_days.n_working_days
                    / routine_ranked.n_routine) as integer) + 1)
            else first_possible.earliest_working_day
        end as call_working_day
    from contacts
    inner join month_days on contacts.month_start = month_days.month_start
    inner join first_possible
        on contacts.customer_id = first_possible.customer_id
        and contacts.contact_reason = first_possible.contact_reason
        and contacts.contact_reference = first_possible.contact_reference
    left join routine_ranked
        on contacts.customer_id = routine_ranked.customer_id
        and contacts.contact_reason = routine_ranked.contact_reason
        and contacts.contact_reference = routine_ranked.contact_reference
),

customers as (
    select * from {{ ref('dim_customers') }}
)

select
    -- who calls whom, when
    scheduled.staff_id,
    scheduled.home_branch_id as branch_id,
    working_days.calendar_date as call_date,
    row_number() over (
        partition by scheduled.staff_id, working_days.calendar_date
        order by scheduled.priority, scheduled.due_date, coalesce(scheduled.expected_loss, 0) desc,
            scheduled.monthly_avg_aum desc, scheduled.customer_id, scheduled.contact_reference
    ) as call_order,
    scheduled.customer_id,
    customers.customer_name_masked,
    customers.mobile_phone_masked,
    customers.service_tier,
    -- why and by when
    scheduled.contact_reason,
    scheduled.priority,
    scheduled.contact_reference,
    scheduled.due_date,
    working_days.calendar_date > scheduled.due_date as is_after_due_date,
    scheduled.monthly_avg_aum,
    -- prevention calls: what the early warning saw and what to do (null for the other reasons)
    scheduled.expected_loss,
    scheduled.risk_reason_codes,
    scheduled.risk_reasons,
    scheduled.suggested_action
from scheduled
inner join working_days
    on scheduled.month_start = working_days.month_start
    and scheduled.call_working_day = working_days.working_day_number
inner join customers on scheduled.customer_id = customers.customer_id
