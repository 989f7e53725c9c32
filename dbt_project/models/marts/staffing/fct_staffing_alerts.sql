{#- One row per branch per month per role its customers need but it cannot fully staff: customers
    escalated to the role serving the next tier up, and customers left unassigned because the branch has
    no staff of that role or any above (docs/rules.md section 6). No row: no problem. -#}
select
    home_branch_id as branch_id,
    month_start,
    serving_role as needed_role,
    count(*) as customers_needing_role,
    sum(case when is_escalated then 1 else 0 end) as customers_escalated,
    sum(case when assignment_reason = 'no_staff_of_role' then 1 else 0 end) as customers_unassigned,
    {{ sorted_list("case when is_escalated then assigned_role end") }} as escalated_to_roles
from {{ ref('int_customer_assignments') }}
where is_escalated or assignment_reason = 'no_staff_of_role'
group by home_branch_id, month_start, serving_role
