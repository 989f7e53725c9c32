{#- One row per staff member per month they can serve customers: hired by the period end and not gone
    by it. `role_rank` orders roles by the tier they serve (teller 1 … private_banker 4). -#}
with staff as (
    select * from {{ ref('stg_bank__staff') }}
),

months as (
    select month_start, period_end from {{ ref('int_months') }}
    where not is_baseline
),

roles as (
    select serving_role as role, tier_rank as role_rank from {{ ref('tier_roles') }}
    where serving_role is not null
)

select
    staff.staff_id,
    staff.branch_id,
    staff.role,
    roles.role_rank,
    months.month_start,
    coalesce(staff.daily_capacity, case staff.role
        {%- for role, capacity in var('role_daily_capacity').items() %}
        when '{{ role }}' then {{ capacity }}
        {%- endfor %}
    end) as daily_capacity
from staff
inner join roles on staff.role = roles.role
inner join months
    on (staff.hired_date is null or staff.hired_date <= months.period_end)
    and (staff.left_date is null or staff.left_date > months.period_end)
