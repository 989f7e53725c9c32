{#- One row per customer per month: 月日均 and month-end AUM, tiers, movement and watch (docs/rules.md
    sections 3-4). What BI tools read; the logic and its incremental refresh live in int_customer_months. -#}
select {{ partitioned_star(ref('int_customer_months'), 'month_start', after='home_branch_id') }}
from {{ ref('int_customer_months') }}
