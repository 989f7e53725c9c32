-- an asset check of fct_customer_months in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_months'}}}) }}
-- A failure means a customer month has no lifecycle stage, or more than one: fct_customer_lifecycle must hold
-- exactly one row with a stage for each row of fct_customer_months (same customer, same month). A row here is a
-- customer month the lifecycle pages leave out or count twice.
with months as (
    select customer_id, month_start from {{ ref('fct_customer_months') }}
),

stages as (
    select customer_id, month_start, count(*) as n_stages
    from {{ ref('fct_customer_lifecycle') }}
    where lifecycle_stage is not null
    group by customer_id, month_start
)

select
    coalesce(months.customer_id, stages.customer_id) as customer_id,
    coalesce(months.month_start, stages.month_start) as month_start,
    coalesce(stages.n_stages, 0) as n_stages
from months
full outer join stages
    on months.customer_id = stages.customer_id and months.month_start = stages.month_start
where months.customer_id is null or stages.customer_id is null or stages.n_stages <> 1
