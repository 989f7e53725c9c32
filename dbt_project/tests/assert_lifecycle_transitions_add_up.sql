-- an asset check of fct_lifecycle_transitions in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_lifecycle_transitions'}}}) }}
-- A failure means the lifecycle transitions lose or invent customers: the customers counted in
-- fct_lifecycle_transitions (one row per branch, month, from stage and to stage) must add up to the customer
-- months of fct_customer_lifecycle. A row here is a transition page whose totals do not match the stages.
with transitions as (
    select coalesce(sum(n_customers), 0) as n from {{ ref('fct_lifecycle_transitions') }}
),

customer_months as (
    select count(*) as n from {{ ref('fct_customer_lifecycle') }}
)

select transitions.n as customers_in_transitions, customer_months.n as customer_months
from transitions
cross join customer_months
where transitions.n <> customer_months.n
