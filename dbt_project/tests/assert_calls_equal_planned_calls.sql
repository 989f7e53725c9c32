-- an asset check of fct_daily_call_list in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_daily_call_list'}}}) }}
-- A failure means the call lists and the plan disagree: every call planned for the plan month
-- (fct_contact_plan.planned_calls) must be exactly one row of fct_daily_call_list, and the staff's daily
-- workload (fct_staff_daily_workload.planned_calls) must count the same calls. A row here is a planned contact
-- nobody is told to make, a call nobody planned, or a workload page that shows staff the wrong load.
with calls as (
    select count(*) as n from {{ ref('fct_daily_call_list') }}
),

planned as (
    select coalesce(sum(planned_calls), 0) as n from {{ ref('fct_contact_plan') }} where is_plan_month
),

workload as (
    select coalesce(sum(planned_calls), 0) as n from {{ ref('fct_staff_daily_workload') }}
)

select calls.n as calls, planned.n as planned_calls, workload.n as workload_calls
from calls
cross join planned
cross join workload
where calls.n <> planned.n or calls.n <> workload.n
