{#- One row per branch per month per churn type (出水 by cause): churn events that started that month,
    customers they belong to, the AUM lost and the money that left in their windows. Every type shows
    on every branch-month, zero where nothing happened. -#}
with events as (
    select * from {{ ref('int_churn_events') }}
),

by_type as (
    select
        home_branch_id as branch_id,
        event_month as month_start,
        churn_type,
        count(*) as n_events,
        count(distinct customer_id) as n_customers,
        sum(amount_lost) as amount_lost,
        sum(outflow_in_window) as outflow,
        sum(outflow_other_bank_in_window) as outflow_other_bank,
        sum(case when signal_stated_purpose_mismatch then 1 else 0 end) as n_stated_purpose_mismatches
    from events
    group by home_branch_id, event_month, churn_type
),

grid as (
    select branches.branch_id, months.month_start, churn_types.churn_type, churn_types.churn_type_zh,
        churn_types.precedence, churn_types.exclude_from_retention
    from {{ ref('stg_bank__branches') }} as branches
    cross join (select month_start from {{ ref('int_months') }} where not is_baseline) as months
    cross join {{ ref('churn_types') }} as churn_types
)

select
    grid.branch_id,
    grid.month_start,
    grid.churn_type,
    grid.churn_type_zh,
    grid.precedence,
    grid.exclude_from_retention,
    coalesce(by_type.n_events, 0) as n_events,
    coalesce(by_type.n_customers, 0) as n_customers_lost,
    {{ money('coalesce(by_type.amount_lost, 0)') }} as amount_lost,
    {{ money('coalesce(by_type.outflow, 0)') }} as outflow,
    {{ money('coalesce(by_type.outflow_other_bank, 0)') }} as outflow_other_bank,
    coalesce(by_type.n_stated_purpose_mismatches, 0) as n_stated_purpose_mismatches
from grid
left join by_type
    on grid.branch_id = by_type.branch_id
    and grid.month_start = by_type.month_start
    and grid.churn_type = by_type.churn_type
