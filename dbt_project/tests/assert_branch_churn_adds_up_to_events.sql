-- an asset check of fct_branch_churn_months in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_branch_churn_months'}}}) }}
-- A failure means the branch churn counts and the churn events disagree: n_events over every row of
-- fct_branch_churn_months must equal the number of fct_churn_events. A row here is an event a branch's churn
-- figures leave out or count twice.
with by_branch as (
    select coalesce(sum(n_events), 0) as n from {{ ref('fct_branch_churn_months') }}
),

events as (
    select count(*) as n from {{ ref('fct_churn_events') }}
)

select by_branch.n as events_by_branch, events.n as events
from by_branch
cross join events
where by_branch.n <> events.n
