{#- One row per customer with money at the bank and no usable mobile phone (补充客户信息): nobody can
    call them, so the teller takes their contact details at the next visit. Ranked per branch by
    monthly daily-average AUM (most valuable first). Special (intermediary) customers are left out. -#}
with customers as (
    select * from {{ ref('dim_customers') }}
    where not has_usable_phone and monthly_avg_aum > 0
),

do_not_chase as (
    -- customers with a churn event of a type the churn_types seed excludes from retention (special)
    select distinct customer_id from {{ ref('int_churn_events') }} where exclude_from_retention
),

plan as (
    select * from {{ ref('int_plan_month') }}
),

blocked as (
    -- what the plan month would have asked staff to call them about
    select
        contacts.customer_id,
        count(*) as blocked_contacts,
        max(case when contacts.contact_reason = 'churn_rescue' then 1 else 0 end) = 1 as has_churn_rescue,
        max(case when contacts.contact_reason = 'prevention' then 1 else 0 end) = 1 as has_prevention,
        max(case when contacts.contact_reason = 'maturity_reminder' then 1 else 0 end) = 1 as has_maturity_reminder,
        min(contacts.staff_id) as responsible_staff_id
    from {{ ref('int_planned_contacts') }} as contacts
    inner join plan on contacts.month_start = plan.plan_month
    where not contacts.has_usable_phone
    group by contacts.customer_id
)

select
    customers.home_branch_id as branch_id,
    row_number() over (
        partition by customers.home_branch_id order by customers.monthly_avg_aum desc, customers.customer_id
    ) as task_rank,
    customers.customer_id,
    customers.customer_name_masked,
    customers.service_tier,
    customers.monthly_avg_aum,
    customers.has_mobile_phone as has_unusable_mobile_phone,
    'teller' as task_role,
    '补充客户信息: record a usable mobile phone at the next visit' as task,
    blocked.responsible_staff_id,
    coalesce(blocked.blocked_contacts, 0) as blocked_contacts,
    coalesce(blocked.has_churn_rescue, false) as has_churn_rescue,
    coalesce(blocked.has_prevention, false) as has_prevention,
    coalesce(blocked.has_maturity_reminder, false) as has_maturity_reminder
from customers
left join do_not_chase on customers.customer_id = do_not_chase.customer_id
left join blocked on customers.customer_id = blocked.customer_id
where do_not_chase.customer_id is null
