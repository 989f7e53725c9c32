{#- One row per customer per month with a responsible staff member: the window's months from
    int_customer_assignments, and the plan month (when it lies after the as-of month) carrying the
    as-of month's assignments forward. -#}
with assignments as (
    select * from {{ ref('int_customer_assignments') }}
),

plan as (
    select * from {{ ref('int_plan_month') }}
)

select
    assignments.customer_id,
    assignments.home_branch_id,
    assignments.month_start,
    assignments.service_tier,
    assignments.monthly_avg_aum,
    assignments.assigned_role,
    assignments.staff_id,
    assignments.month_start = plan.plan_month as is_plan_month
from assignments
cross join plan
where assignments.staff_id is not null

union all

select
    assignments.customer_id,
    assignments.home_branch_id,
    plan.plan_month as month_start,
    assignments.service_tier,
    assignments.monthly_avg_aum,
    assignments.assigned_role,
    assignments.staff_id,
    true as is_plan_month
from assignments
cross join plan
where assignments.staff_id is not null
    and assignments.month_start = plan.basis_month
    and plan.plan_month > plan.basis_month
