{#- One row per staff member per month (the window's months and the plan month): contacts planned by
    reason (routine cadence, churn rescue, prevention, maturity reminders), how many are calls and how many counter
    tasks (no usable phone), the month's call capacity, and the contacts actually made (contact_logs):
    planned vs done. -#}
with contacts as (
    select * from {{ ref('int_planned_contacts') }}
),

plan as (
    select * from {{ ref('int_plan_month') }}
),

staff_months as (
    select staff_id, branch_id, role, month_start, daily_capacity from {{ ref('int_staff_months') }}
    union all
    select staff.staff_id, staff.branch_id, staff.role, plan.plan_month, staff.daily_capacity
    from {{ ref('int_staff_months') }} as staff
    inner join plan on staff.month_start = plan.basis_month and plan.plan_month > plan.basis_month
),

working_days as (
    select month_start, max(working_days_in_month) as working_days_in_month
    from {{ ref('int_plan_working_days') }}
    group by month_start
),

planned as (
    select
        staff_id,
        month_start,
        count(*) as planned_contacts,
        sum(case when contact_reason = 'routine' then 1 else 0 end) as routine_contacts,
        sum(case when contact_reason = 'churn_rescue' then 1 else 0 end) as churn_rescue_contacts,
        sum(case when contact_reason = 'prevention' then 1 else 0 end) as prevention_contacts,
        sum(case when contact_reason = 'maturity_reminder' then 1 else 0 end) as maturity_reminders,
        sum(case when has_usable_phone then 1 else 0 end) as planned_calls,
        sum(case when has_usable_phone then 0 else 1 end) as counter_tasks
    from contacts
    group by staff_id, month_start
),

actual as (
    select
        staff_id,
        cast({{ dbt.date_trunc('month', 'contact_date') }} as date) as month_start,
        count(*) as contacts_made,
        sum(case when is_successful then 1 else 0 end) as contacts_reached,
        count(distinct customer_id) as customers_contacted
    from {{ ref('stg_bank__contact_logs') }}
    -- contacts logged after the as-of date are not part of this picture
    where contact_date <= (select as_of_date from plan)
    group by staff_id, cast({{ dbt.date_trunc('month', 'contact_date') }} as date)
)

select
    staff_months.staff_id,
    staff_months.branch_id,
    staff_months.role,
    staff_months.month_start,
    staff_months.month_start = plan.plan_month as is_plan_month,
    coalesce(planned.planned_contacts, 0) as planned_contacts,
    coalesce(planned.routine_contacts, 0) as routine_contacts,
    coalesce(planned.churn_rescue_contacts, 0) as churn_rescue_contacts,
    coalesce(planned.prevention_contacts, 0) as prevention_contacts,
    coalesce(planned.maturity_reminders, 0) as maturity_reminders,
    coalesce(planned.planned_calls, 0) as planned_calls,
    coalesce(planned.counter_tasks, 0) as counter_tasks,
    working_days.working_days_in_month,
    staff_months.daily_capacity,
    staff_months.daily_capacity * working_days.working_days_in_month as monthly_call_capacity,
    cast(coalesce(planned.planned_calls, 0) as {{ type_double() }})
        / nullif(staff_months.daily_capacity * working_days.working_days_in_month, 0) as planned_utilisation,
    -- done (contact_logs); null for months not yet over
    case when staff_months.month_start <= plan.basis_month then coalesce(actual.contacts_made, 0) end as contacts_made,
    case when staff_months.month_start <= plan.basis_month then coalesce(actual.contacts_reached, 0) end as contacts_reached,
    case when staff_months.month_start <= plan.basis_month then coalesce(actual.customers_contacted, 0) end as customers_contacted,
    case when staff_months.month_start <= plan.basis_month and coalesce(planned.planned_calls, 0) > 0
        then cast(coalesce(actual.contacts_reached, 0) as {{ type_double() }}) / planned.planned_calls end
        as reached_vs_planned
from staff_months
cross join plan
left join working_days on staff_months.month_start = working_days.month_start
left join planned on staff_months.staff_id = planned.staff_id and staff_months.month_start = planned.month_start
left join actual on staff_months.staff_id = actual.staff_id and staff_months.month_start = actual.month_start
