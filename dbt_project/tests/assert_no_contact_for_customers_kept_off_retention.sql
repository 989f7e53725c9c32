-- an asset check of fct_churn_events in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_churn_events'}}}) }}
-- A failure means staff are told to chase a customer the bank must not chase: a customer with a churn event
-- whose type the churn_types seed keeps off retention lists (exclude_from_retention, the special / intermediary
-- type) is on a daily call list or has a counter task. Each row is such a customer and where they appear.
with kept_off as (
    select distinct customer_id from {{ ref('fct_churn_events') }} where exclude_from_retention
)

select calls.customer_id, 'fct_daily_call_list' as found_in
from {{ ref('fct_daily_call_list') }} as calls
inner join kept_off on calls.customer_id = kept_off.customer_id

union all

select tasks.customer_id, 'fct_counter_tasks' as found_in
from {{ ref('fct_counter_tasks') }} as tasks
inner join kept_off on tasks.customer_id = kept_off.customer_id
