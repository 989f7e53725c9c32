-- an asset check of fct_churn_events in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_churn_events'}}}) }}
-- A failure means a churn event's exclude_from_retention is not what the churn_types seed says for its type:
-- the seed is the one place "do not chase" is decided. A row here is an event kept off retention lists (or put
-- on them) against the seed.
select events.churn_event_id, events.churn_type
from {{ ref('fct_churn_events') }} as events
inner join {{ ref('churn_types') }} as churn_types on events.churn_type = churn_types.churn_type
where events.exclude_from_retention <> churn_types.exclude_from_retention
