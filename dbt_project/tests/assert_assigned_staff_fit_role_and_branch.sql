-- an asset check of fct_customer_assignments in Dagster (the test reads several models; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_assignments'}}}) }}
-- A failure means a customer is put on the wrong person: every assignment but no_staff_of_role must name a
-- staff member of the bank (stg_bank__staff) of the role assigned and in the customer's home branch. A row here
-- is an assignment to an unknown staff member, to one of another role, or to one of another branch.
select assignments.customer_id, assignments.month_start, assignments.staff_id
from {{ ref('fct_customer_assignments') }} as assignments
left join {{ ref('stg_bank__staff') }} as staff on assignments.staff_id = staff.staff_id
where assignments.assignment_reason <> 'no_staff_of_role'
  and (staff.staff_id is null
       or staff.role <> assignments.assigned_role
       or staff.branch_id <> assignments.home_branch_id)
