{#- One row per customer per month of the window, from the month they joined (or the window start).
    Built incrementally: a run re-builds the latest month already built (the as-of month may have grown)
    and every month after it; a monthly partition run (a backfill) re-builds the months from
    var('refresh_from_month') (or from the latest month built, if that is earlier: a catch-up) up to,
    not including, var('refresh_to_month'). -#}
{#- unique_key month_start: the delete removes every row of a rebuilt month, so a customer whose months
    changed (a corrected onboarding date) keeps no stale row, as it would with [customer_id, month_start]. -#}
{#- tag monthly: rebuilt by month, so a monthly-partitioned asset in Dagster (orchestration/defs/dbt);
    meta month_column: the months it holds, which Dagster's partition status reads. -#}
{{ config(
    tags=['monthly'],
    meta={'month_column': 'month_start'},
    materialized='incremental',
    unique_key='month_start',
    incremental_strategy=incremental_strategy_for('delete+insert'),
    partition_by=(['month_start'] if target.type == 'spark' else none),
    file_format=('parquet' if target.type == 'spark' else none),
    on_schema_change='fail'
) }}

{%- set service_window = var('service_tier_watch_months') + var('service_tier_drop_months') %}
{%- if is_incremental() %}
{#- An incremental run reads the window's months and, before them, the months its tier windows and the
    previous month's tier look back on (service_window months, at least one), and the baseline month:
    a customer's first month looks back on it, as in a full build. -#}
{%- set window_start = refresh_window_start('(select max(month_start) from ' ~ this ~ ')') %}
{%- set context_months -%}
    month_start >= cast({{ dbt.dateadd('month', -([service_window, 1] | max), window_start) }} as date)
    or month_start in (select month_start from {{ ref('int_months') }} where is_baseline)
{%- endset %}
{%- endif %}

with customers as (
    select * from {{ ref('stg_bank__customers') }}
),

accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),

months as (
    select * from {{ ref('int_months') }}
    {%- if is_incremental() %}
    where {{ context_months }}
    {%- endif %}
),

account_months as (
    select * from {{ ref('int_account_months') }}
    {%- if is_incremental() %}
    where {{ context_months }}
    {%- endif %}
),

flows as (
    select
        customer_id,
        month_start,
        sum(inflow) as inflow,
        sum(outflow) as outflow,
        sum(inflow_other_bank) as inflow_other_bank,
        sum(outflow_other_bank) as outflow_other_bank,
        {{ typed('sum(n_transactions)', 'bigint') }} as n_transactions,
        {{ typed('sum(n_customer_transactions)', 'bigint') }} as n_customer_transactions
    from {{ ref('int_customer_month_flows') }}
    {%- if is_incremental() %}
    where {{ context_months }}
    {%- endif %}
    group by customer_id, month_start
),

-- accounts open at the period end (any product), for "all accounts closed" (销户)
open_accounts as (
    select accounts.customer_id, months.month_start, count(*) as n_open_accounts
    from accounts
    inner join months
        on accounts.opened_date <= months.period_end
        and (accounts.closed_date is null or accounts.closed_date > months.period_end)
    group by accounts.customer_id, months.month_start
),

-- the first day any AUM account of the customer held money
first_funded as (
    select accounts.customer_id, min(intervals.valid_from) as first_funded_date
    from {{ ref('int_account_balance_intervals') }} as intervals
    inner join accounts on intervals.account_id = accounts.account_id
    where accounts.is_aum and intervals.balance > 0
    group by accounts.customer_id
),

customer_start as (
    select
        customers.customer_id,
        customers.home_branch_id,
        cast({{ dbt.date_trunc('month', 'least(customers.onboarded_date, coalesce(min(accounts.opened_date), customers.onboarded_date))') }} as date) as first_month
    from customers
    left join accounts on customers.customer_id = accounts.customer_id
    group by customers.customer_id, customers.home_branch_id, customers.onboarded_date
),

-- dense: every month from the customer's first month (or the baseline month) to the as-of month
customer_months as (
    select customer_start.customer_id, customer_start.home_branch_id, months.month_start, months.is_baseline
    from customer_start
    inner join months on months.month_start >= customer_start.first_month or months.is_baseline
),

balances as (
    select
        customer_id,
        month_start,
        {%- for category in ['deposit', 'wealth', 'fund', 'insurance'] %}
        sum(case when product_category = '{{ category }}' then avg_asset_balance_cny else 0 end) as monthly_avg_{{ category }},
        sum(case when product_category = '{{ category }}' then month_end_asset_balance_cny else 0 end) as month_end_{{ category }},
        {%- endfor %}
        -- AUM counts each account's balance at no less than zero; an overdraft is debt, reported beside it
        sum(case when is_aum then avg_asset_balance_cny else 0 end) as monthly_avg_aum,
        sum(case when is_aum then month_end_asset_balance_cny else 0 end) as month_end_aum,
        sum(case when is_aum then avg_overdraft_cny else 0 end) as monthly_avg_overdraft,
        sum(case when is_aum then month_end_overdraft_cny else 0 end) as month_end_overdraft,
        sum(case when product_category = 'loan' then month_end_balance_cny else 0 end) as month_end_loan_balance,
        count(distinct case when is_aum and month_end_asset_balance_cny > 0 then product_type end) as n_products_held
    from account_months
    group by customer_id, month_start
),

measured as (
    select
        customer_months.customer_id,
        customer_months.home_branch_id,
        customer_months.month_start,
        customer_months.is_baseline,
        {%- for category in ['deposit', 'wealth', 'fund', 'insurance'] %}
        {{ money('coalesce(balances.monthly_avg_' ~ category ~ ', 0)') }} as monthly_avg_{{ category }},
        {{ money('coalesce(balances.month_end_' ~ category ~ ', 0)') }} as month_end_{{ category }},
        {%- endfor %}
        {{ money('coalesce(balances.monthly_avg_aum, 0)') }} as monthly_avg_aum,
        {{ money('coalesce(balances.month_end_aum, 0)') }} as month_end_aum,
        {{ money('coalesce(balances.monthly_avg_overdraft, 0)') }} as monthly_avg_overdraft,
        {{ money('coalesce(balances.month_end_overdraft, 0)') }} as month_end_overdraft,
        {{ money('coalesce(balances.month_end_loan_balance, 0)') }} as month_end_loan_balance,
        coalesce(balances.n_products_held, 0) as n_products_held,
        coalesce(open_accounts.n_open_accounts, 0) as n_open_accounts,
        first_funded.first_funded_date,
        {{ money('coalesce(flows.inflow, 0)') }} as inflow,
        {{ money('coalesce(flows.outflow, 0)') }} as outflow,
        {{ money('coalesce(flows.inflow_other_bank, 0)') }} as inflow_other_bank,
        {{ money('coalesce(flows.outflow_other_bank, 0)') }} as outflow_other_bank,
        {{ money('coalesce(flows.inflow, 0) - coalesce(flows.outflow, 0)') }} as net_flow,
        coalesce(flows.n_transactions, 0) as n_transactions,
        coalesce(flows.n_customer_transactions, 0) as n_customer_transactions,
        {{ tier_rank_for_aum(money('coalesce(balances.monthly_avg_aum, 0)')) }} as measured_tier_rank
    from customer_months
    left join balances
        on customer_months.customer_id = balances.customer_id
        and customer_months.month_start = balances.month_start
    left join flows
        on customer_months.customer_id = flows.customer_id
        and customer_months.month_start = flows.month_start
    left join open_accounts
        on customer_months.customer_id = open_accounts.customer_id
        and customer_months.month_start = open_accounts.month_start
    left join first_funded on customer_months.customer_id = first_funded.customer_id
),

tiered as (
    select
        measured.*,
        lag(measured_tier_rank) over (partition by customer_id order by month_start) as previous_tier_rank,
        {% if service_window > 0 -%}
        -- the highest tier measured in the grace window: upgrades count at once; a customer drops only
        -- after service_window consecutive months below their service tier
        max(measured_tier_rank) over (
            partition by customer_id order by month_start
            rows between {{ service_window - 1 }} preceding and current row
        ) as service_tier_rank,
        {%- else -%}
        measured_tier_rank as service_tier_rank,
        {%- endif %}
        {% if var('service_tier_watch_months') > 0 -%}
        max(measured_tier_rank) over (
            partition by customer_id order by month_start
            rows between {{ var('service_tier_watch_months') - 1 }} preceding and current row
        ) as recent_best_tier_rank
        {%- else -%}
        measured_tier_rank as recent_best_tier_rank
        {%- endif %}
    from measured
),

final as (
    select
        -- ids
        customer_id,
        home_branch_id,
        month_start,
        -- monthly daily-average AUM (月日均) and point-in-time month-end AUM (时点), CNY
        monthly_avg_aum,
        month_end_aum,
        monthly_avg_deposit,
        monthly_avg_wealth,
        monthly_avg_fund,
        monthly_avg_insurance,
        month_end_deposit,
        month_end_wealth,
        month_end_fund,
        month_end_insurance,
        -- overdrawn accounts: debt, not in AUM (docs/rules.md section 3), CNY
        monthly_avg_overdraft,
        month_end_overdraft,
        month_end_loan_balance,
        n_products_held,
        n_open_accounts,
        -- the first day an AUM account held money (null: never funded yet)
        first_funded_date,
        -- flows (进水/出水), CNY
        inflow,
        outflow,
        net_flow,
        inflow_other_bank,
        outflow_other_bank,
        n_transactions,
        n_customer_transactions,
        -- tiers
        {{ tier_name('measured_tier_rank') }} as measured_tier,
        measured_tier_rank,
        {{ tier_name('previous_tier_rank') }} as previous_measured_tier,
        case
            when coalesce(previous_tier_rank, 0) = 0 and measured_tier_rank > 0 then 'new'
            when coalesce(previous_tier_rank, 0) = 0 then 'inactive'
            when measured_tier_rank = 0 then 'lost'
            when measured_tier_rank > previous_tier_rank then 'upgrade'
            when measured_tier_rank < previous_tier_rank then 'downgrade'
            else 'stable'
        end as tier_movement,
        {{ tier_name('service_tier_rank') }} as service_tier,
        service_tier_rank,
        -- on watch (关注): every month of the watch window measured below the service tier
        recent_best_tier_rank < service_tier_rank as is_on_watch
    from tiered
    where not is_baseline
)

select * from final
{% if is_incremental() %}
where {{ in_refresh_window('month_start', '(select max(month_start) from ' ~ this ~ ')') }}
{% endif %}
