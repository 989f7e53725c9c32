-- an asset check of fct_daily_call_list in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_daily_call_list'}}}) }}
-- A failure means staff are told to phone a customer nobody can phone, or the counter is told to wait for a
-- customer staff could have called: every row of fct_daily_call_list must be a customer with a usable phone
-- (dim_customers.has_usable_phone), and every row of fct_counter_tasks one without. A row here is such a
-- call or counter task.
select 'call without a usable phone' as problem, calls.customer_id
from {{ ref('fct_daily_call_list') }} as calls
inner join {{ ref('dim_customers') }} as customers on calls.customer_id = customers.customer_id
where not customers.has_usable_phone

union all

select 'counter task for a customer with a usable phone' as problem, tasks.customer_id
from {{ ref('fct_counter_tasks') }} as tasks
inner join {{ ref('dim_customers') }} as customers on tasks.customer_id = customers.customer_id
where customers.has_usable_phone
