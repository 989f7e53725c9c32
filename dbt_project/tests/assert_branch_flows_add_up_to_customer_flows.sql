-- an asset check of fct_branch_months in Dagster (the test reads several marts; dagster-dbt attaches it by this ref)
{{ config(meta={'dagster': {'ref': {'name': 'fct_branch_months'}}}) }}
-- A failure means the branch view and the customer view disagree about money: in every month, the net flow
-- of the branches (inflow - outflow, fct_branch_months) must add up to the net flow of the customers
-- (fct_customer_months). A row here is money counted in one mart and not the other (a customer month left out
-- of its branch, a flow summed twice), so the branch pages and the customer lists tell different stories.
-- Each mart rounds its own sums to the fen (flows converted from other currencies carry more decimals), so
-- the two totals may differ by at most half a fen per row rounded: 0.005 CNY x (customer months + branch
-- months) in that month. Anything beyond that bound is a real difference.
with by_branch as (
    select month_start, sum(net_flow) as net_flow, count(*) as n_rows
    from {{ ref('fct_branch_months') }}
    group by month_start
),

by_customer as (
    select month_start, sum(net_flow) as net_flow, count(*) as n_rows
    from {{ ref('fct_customer_months') }}
    group by month_start
)

select
    coalesce(by_branch.month_start, by_customer.month_start) as month_start,
    by_branch.net_flow as branch_net_flow,
    by_customer.net_flow as customer_net_flow
from by_branch
full outer join by_customer on by_branch.month_start = by_customer.month_start
where abs(coalesce(by_branch.net_flow, 0) - coalesce(by_customer.net_flow, 0))
    > 0.005 * (coalesce(by_branch.n_rows, 0) + coalesce(by_customer.n_rows, 0))
