{#- One row per customer per month with a service tier above none: the role that serves that tier
    (tier_roles seed) and the role that will serve them in their home branch — the same, or, when the
    branch has no staff of it that month, the role serving the next tier up (escalation), or none. -#}
with customer_months as (
    select * from {{ ref('int_customer_months') }}
    where service_tier <> 'none'
),

tier_roles as (
    select * from {{ ref('tier_roles') }}
),

branch_roles as (
    select distinct branch_id, month_start, role, role_rank from {{ ref('int_staff_months') }}
),

needs as (
    select
        customer_months.customer_id,
        customer_months.home_branch_id,
        customer_months.month_start,
        customer_months.service_tier,
        customer_months.monthly_avg_aum,
        tier_roles.serving_role,
        tier_roles.tier_rank as serving_role_rank
    from customer_months
    inner join tier_roles on customer_months.service_tier = tier_roles.tier
),

candidates as (
    select
        needs.customer_id,
        needs.month_start,
        branch_roles.role,
        row_number() over (partition by needs.customer_id, needs.month_start order by branch_roles.role_rank) as preference
    from needs
    inner join branch_roles
        on needs.home_branch_id = branch_roles.branch_id
        and needs.month_start = branch_roles.month_start
        and branch_roles.role_rank >= needs.serving_role_rank
)

select
    needs.*,
    candidates.role as assigned_role,
    coalesce(candidates.role <> needs.serving_role, false) as is_escalated
from needs
left join candidates
    on needs.customer_id = candidates.customer_id
    and needs.month_start = candidates.month_start
    and candidates.preference = 1
