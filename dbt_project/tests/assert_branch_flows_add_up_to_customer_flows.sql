-- an asset check of fct_branch_months in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_branch_months'}}}) }}
-- A failure means the branch view and the customer view disagree about money: in every month, the net flow
-- of the branches (inflow - outflow, fct_branch_months) must add up to the net flow of the customers
-- (fct_customer_months). A row here is money counted in one mart and not the other (a customer month left out
-- of its branch, a flow summed twice), so the branch pages and the customer lists tell different stories.
-- Both sum the same flows, rounded to the fen once per customer, branch and month
-- (int_customer_month_flows), so they agree exactly.
with by_branch as (
    select month_start, sum(inflow - outflow) as net_flow, sum(net_flow) as net_flow_column
    from {{ ref('fct_branch_months') }}
    group by month_start
),

by_customer as (
    select month_start, sum(inflow - outflow) as net_flow, sum(net_flow) as net_flow_column
    from {{ ref('fct_customer_months') }}
    group by month_start
)

select
    coalesce(by_branch.month_start, by_customer.month_start) as month_start,
    by_branch.net_flow as branch_net_flow,
    by_customer.net_flow as customer_net_flow
from by_branch
full outer join by_customer on by_branch.month_start = by_customer.month_start
where coalesce(by_branch.net_flow, 0) <> coalesce(by_customer.net_flow, 0)
    or coalesce(by_branch.net_flow_column, 0) <> coalesce(by_customer.net_flow_column, 0)
    or coalesce(by_branch.net_flow, 0) <> coalesce(by_branch.net_flow_column, 0)
