-- depends_on: {{ ref('int_months') }}
{#- One row per customer per month with a service tier: the one responsible staff member in their home
    branch of the role that serves the tier (the article's step 2), and why (docs/rules.md section 6):
    kept         the previous month's staff member (or, in the first month, the bank's relationship manager)
                 still fits: same branch, the role to serve, still employed;
    new          no one before;
    staff_left   the previous staff member left;
    tier_changed the role to serve changed (service tier moved, or escalation began or ended);
    no_staff_of_role  the branch has no staff of that role or any above: unassigned (see fct_staffing_alerts).
    Everyone not kept goes to the least-loaded staff member of the role (load = customers kept that
    month), most valuable customer first, ties by staff id: deterministic.
    Months are computed one after the other because each starts from the month before. -#}
{%- if var('assignment_months', none) -%}
    {%- set months = var('assignment_months') -%}
{%- elif execute -%}
    {%- set months = run_query("select month_start from " ~ ref('int_months') ~ " where not is_baseline order by 1").columns[0].values() | map('string') | list -%}
{%- else -%}
    {%- set months = ['2000-01-01'] -%}
{%- endif %}

with needs as (
    select * from {{ ref('int_customer_role_needs') }}
),

staff_months as (
    select * from {{ ref('int_staff_months') }}
),

customers as (
    select customer_id, relationship_manager_id from {{ ref('stg_bank__customers') }}
),
{% for month in months %}
{%- set i = loop.index0 %}
-- {{ month }} ---------------------------------------------------------------------------------------------
needs_{{ i }} as (
    select * from needs where month_start = cast('{{ month }}' as date)
),

previous_{{ i }} as (
    {%- if i == 0 %}
    select customer_id, relationship_manager_id as staff_id from customers where relationship_manager_id is not null
    {%- else %}
    select customer_id, staff_id from assigned_{{ i - 1 }} where staff_id is not null
    {%- endif %}
),

kept_{{ i }} as (
    select needs_{{ i }}.customer_id, staff_months.staff_id
    from needs_{{ i }}
    inner join previous_{{ i }} on needs_{{ i }}.customer_id = previous_{{ i }}.customer_id
    inner join staff_months
        on previous_{{ i }}.staff_id = staff_months.staff_id
        and staff_months.month_start = needs_{{ i }}.month_start
        and staff_months.branch_id = needs_{{ i }}.home_branch_id
        and staff_months.role = needs_{{ i }}.assigned_role
),

open_{{ i }} as (
    select
        needs_{{ i }}.customer_id,
        needs_{{ i }}.home_branch_id,
        needs_{{ i }}.assigned_role,
        row_number() over (
            partition by needs_{{ i }}.home_branch_id, needs_{{ i }}.assigned_role
            order by needs_{{ i }}.monthly_avg_aum desc, needs_{{ i }}.customer_id
        ) as queue_position
    from needs_{{ i }}
    left join kept_{{ i }} on needs_{{ i }}.customer_id = kept_{{ i }}.customer_id
    where kept_{{ i }}.customer_id is null and needs_{{ i }}.assigned_role is not null
),

loads_{{ i }} as (
    select staff_months.staff_id, staff_months.branch_id, staff_months.role, count(kept_{{ i }}.customer_id) as kept_load
    from staff_months
    left join kept_{{ i }} on staff_months.staff_id = kept_{{ i }}.staff_id
    where staff_months.month_start = cast('{{ month }}' as date)
    group by staff_months.staff_id, staff_months.branch_id, staff_months.role
),

-- Least-loaded, one customer at a time: staff member s takes its (load + 1)th, (load + 2)th … customer;
-- ordering those slots by level (then staff id) and dealing them out in queue order is exactly greedy
-- least-loaded assignment.
slots_{{ i }} as (
    select
        loads_{{ i }}.staff_id,
        loads_{{ i }}.branch_id,
        loads_{{ i }}.role,
        row_number() over (
            partition by loads_{{ i }}.branch_id, loads_{{ i }}.role
            order by loads_{{ i }}.kept_load + queue.queue_position, loads_{{ i }}.staff_id
        ) as slot
    from loads_{{ i }}
    inner join open_{{ i }} as queue
        on loads_{{ i }}.branch_id = queue.home_branch_id
        and loads_{{ i }}.role = queue.assigned_role
),

assigned_{{ i }} as (
    select
        needs_{{ i }}.customer_id,
        needs_{{ i }}.home_branch_id,
        needs_{{ i }}.month_start,
        needs_{{ i }}.service_tier,
        needs_{{ i }}.monthly_avg_aum,
        needs_{{ i }}.serving_role,
        needs_{{ i }}.assigned_role,
        needs_{{ i }}.is_escalated,
        coalesce(kept_{{ i }}.staff_id, slots_{{ i }}.staff_id) as staff_id,
        previous_{{ i }}.staff_id as previous_staff_id,
        case
            when kept_{{ i }}.staff_id is not null then 'kept'
            when needs_{{ i }}.assigned_role is null then 'no_staff_of_role'
            when previous_{{ i }}.staff_id is null then 'new'
            when previous_staff.staff_id is null then 'staff_left'
            else 'tier_changed'
        end as assignment_reason
    from needs_{{ i }}
    left join kept_{{ i }} on needs_{{ i }}.customer_id = kept_{{ i }}.customer_id
    left join open_{{ i }} on needs_{{ i }}.customer_id = open_{{ i }}.customer_id
    left join slots_{{ i }}
        on open_{{ i }}.home_branch_id = slots_{{ i }}.branch_id
        and open_{{ i }}.assigned_role = slots_{{ i }}.role
        and open_{{ i }}.queue_position = slots_{{ i }}.slot
    left join previous_{{ i }} on needs_{{ i }}.customer_id = previous_{{ i }}.customer_id
    left join staff_months as previous_staff
        on previous_{{ i }}.staff_id = previous_staff.staff_id
        and previous_staff.month_start = needs_{{ i }}.month_start
){% if not loop.last %},{% endif %}
{% endfor %}

{% for month in months %}
select * from assigned_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
