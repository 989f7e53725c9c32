{#- One row per staff member per working day of the plan month: calls planned, daily capacity (the
    staff row's daily_capacity, else var role_daily_capacity for the role), utilisation, and whether the
    day is overloaded and by how many calls. Days with no calls are included. -#}
with plan as (
    select * from {{ ref('int_plan_month') }}
),

staff as (
    select staff_months.*
    from {{ ref('int_staff_months') }} as staff_months
    inner join plan on staff_months.month_start = plan.basis_month
),

working_days as (
    select working.*
    from {{ ref('int_plan_working_days') }} as working
    inner join plan on working.month_start = plan.plan_month
    where working.is_working_day
),

calls as (
    select staff_id, call_date, count(*) as planned_calls,
        sum(case when contact_reason = 'churn_rescue' then 1 else 0 end) as churn_rescue_calls,
        sum(case when contact_reason = 'prevention' then 1 else 0 end) as prevention_calls,
        sum(case when contact_reason = 'maturity_reminder' then 1 else 0 end) as maturity_reminder_calls,
        sum(case when contact_reason = 'routine' then 1 else 0 end) as routine_calls
    from {{ ref('fct_daily_call_list') }}
    group by staff_id, call_date
)

select
    staff.staff_id,
    staff.branch_id,
    staff.role,
    working_days.calendar_date as work_date,
    coalesce(calls.planned_calls, 0) as planned_calls,
    coalesce(calls.churn_rescue_calls, 0) as churn_rescue_calls,
    coalesce(calls.prevention_calls, 0) as prevention_calls,
    coalesce(calls.maturity_reminder_calls, 0) as maturity_reminder_calls,
    coalesce(calls.routine_calls, 0) as routine_calls,
    staff.daily_capacity,
    cast(coalesce(calls.planned_calls, 0) as {{ type_double() }}) / nullif(staff.daily_capacity, 0) as utilisation,
    coalesce(calls.planned_calls, 0) > staff.daily_capacity as is_overloaded,
    greatest(coalesce(calls.planned_calls, 0) - staff.daily_capacity, 0) as overload_calls
from staff
cross join working_days
left join calls on staff.staff_id = calls.staff_id and working_days.calendar_date = calls.call_date
