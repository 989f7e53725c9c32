{#- One row per branch per month per (from stage, to stage): how many customers moved so, for drawing
    the lifecycle flow without SQL of one's own. `from_stage` is 'none' for a customer's first month. -#}
with lifecycle as (
    select
        customer_id,
        home_branch_id,
        month_start,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by customer_id order by month_start) as previous_stage
    from {{ ref('fct_customer_lifecycle') }}
)

select
    home_branch_id as branch_id,
    month_start,
    coalesce(previous_stage, 'none') as from_stage,
    lifecycle_stage as to_stage,
    coalesce(previous_stage, 'none') <> lifecycle_stage as is_stage_change,
    count(*) as n_customers
from lifecycle
group by home_branch_id, month_start, coalesce(previous_stage, 'none'), lifecycle_stage
