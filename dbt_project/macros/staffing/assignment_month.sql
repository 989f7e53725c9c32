{#- One month of int_customer_assignments (see its header): the assignments of `month`, given the month's
    needs, the staff months, the customers (for their relationship manager) and `previous`, a query of
    (customer_id, staff_id) of the month before (none for the first month: the relationship managers).
    Each argument is SQL that names a relation or a subquery. Used once per month: chained in one query
    (unit tests, a few months), or one statement per month into a table (macros/staffing/
    build_assignments.sql), so a month's plan reads the month before once, whatever the engine: its cost
    grows linearly with the months (a chained query repeats the months before in every reference to them:
    Spark's plan grew exponentially). -#}
{% macro assignment_month(month, needs, staff_months, customers, previous=none) -%}
with month_needs as (
    select * from {{ needs }} as needs where needs.month_start = cast('{{ month }}' as date)
),

previous as (
    {%- if previous is none %}
    select customer_id, relationship_manager_id as staff_id from {{ customers }} as customers
    where relationship_manager_id is not null
    {%- else %}
    select customer_id, staff_id from {{ previous }} as previous_month where staff_id is not null
    {%- endif %}
),

month_staff as (
    select * from {{ staff_months }} as staff_months where staff_months.month_start = cast('{{ month }}' as date)
),

kept as (
    select month_needs.customer_id, month_staff.staff_id
    from month_needs
    inner join previous on month_needs.customer_id = previous.customer_id
    inner join month_staff
        on previous.staff_id = month_staff.staff_id
        and month_staff.branch_id = month_needs.home_branch_id
        and month_staff.role = month_needs.assigned_role
),

open_needs as (
    select
        month_needs.customer_id,
        month_needs.home_branch_id,
        month_needs.assigned_role,
        row_number() over (
            partition by month_needs.home_branch_id, month_needs.assigned_role
            order by month_needs.monthly_avg_aum desc, month_needs.customer_id
        ) as queue_position
    from month_needs
    left join kept on month_needs.customer_id = kept.customer_id
    where kept.customer_id is null and month_needs.assigned_role is not null
),

loads as (
    select month_staff.staff_id, month_staff.branch_id, month_staff.role, count(kept.customer_id) as kept_load
    from month_staff
    left join kept on month_staff.staff_id = kept.staff_id
    group by month_staff.staff_id, month_staff.branch_id, month_staff.role
),

-- Least-loaded, one customer at a time: staff member s takes its (load + 1)th, (load + 2)th … customer;
-- ordering those slots by level (then staff id) and dealing them out in queue order is exactly greedy
-- least-loaded assignment.
slots as (
    select
        loads.staff_id,
        loads.branch_id,
        loads.role,
        row_number() over (
            partition by loads.branch_id, loads.role
            order by loads.kept_load + queue.queue_position, loads.staff_id
        ) as slot
    from loads
    inner join open_needs as queue
        on loads.branch_id = queue.home_branch_id
        and loads.role = queue.assigned_role
)

select
    month_needs.customer_id,
    month_needs.home_branch_id,
    month_needs.month_start,
    month_needs.service_tier,
    month_needs.monthly_avg_aum,
    month_needs.serving_role,
    month_needs.assigned_role,
    month_needs.is_escalated,
    coalesce(kept.staff_id, slots.staff_id) as staff_id,
    previous.staff_id as previous_staff_id,
    case
        when kept.staff_id is not null then 'kept'
        when month_needs.assigned_role is null then 'no_staff_of_role'
        when previous.staff_id is null then 'new'
        when previous_staff.staff_id is null then 'staff_left'
        else 'tier_changed'
    end as assignment_reason
from month_needs
left join kept on month_needs.customer_id = kept.customer_id
left join open_needs on month_needs.customer_id = open_needs.customer_id
left join slots
    on open_needs.home_branch_id = slots.branch_id
    and open_needs.assigned_role = slots.role
    and open_needs.queue_position = slots.slot
left join previous on month_needs.customer_id = previous.customer_id
left join month_staff as previous_staff on previous.staff_id = previous_staff.staff_id
{%- endmacro %}

{#- Builds `relation` (a table) month by month: the first month from the relationship managers, each next
    month from the rows of the month before it in that table; one statement per call (Spark runs one per
    call). Runs only when dbt executes (not at parse). -#}
{% macro build_assignments_by_month(relation, months, needs, staff_months, customers) -%}
    {%- if execute -%}
        {%- do run_query("drop table if exists " ~ relation) -%}
        {%- if months | length == 0 -%}
            {#- no month to assign yet (an extract with no funded month): the table, empty, with its columns -#}
            {%- do run_query("create table " ~ relation ~ " as select * from (" ~ assignment_month('1900-01-01', needs, staff_months, customers) ~ ") as no_month where 1 = 0") -%}
        {%- endif -%}
        {%- for month in months -%}
            {%- if loop.first -%}
                {%- do run_query("create table " ~ relation ~ " as " ~ assignment_month(month, needs, staff_months, customers)) -%}
            {%- else -%}
                {%- set previous = "(select customer_id, staff_id from " ~ relation ~ " where month_start = cast('"
                    ~ loop.previtem ~ "' as date))" -%}
                {%- do run_query("insert into " ~ relation ~ " select * from (" ~ assignment_month(month, needs, staff_months, customers, previous) ~ ") as month_rows") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
