{#- One row per account per month in which it held a balance stretch: its monthly daily-average balance
    (月日均) and its point-in-time (时点) balance at the period end, in the account's currency and in CNY;
    and, split from them, the balance counted as assets (each day at no less than zero) and the overdraft
    (what the account owed on the days it stood below zero: debt, not negative assets).
    Stretches that overlap a month contribute balance × overlapping days.
    Built incrementally by month: a run recomputes the latest month already built and after (or
    [refresh_from_month, refresh_to_month) when set) from the stretches overlapping those months only, and
    replaces those months whole. -#}
{#- unique_key month_start: the delete removes every row of a rebuilt month, so an account that no longer
    has a stretch in it does not keep a stale row, as it would with [account_id, month_start]. -#}
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

{%- set latest_month_built = '(select max(month_start) from ' ~ this ~ ')' %}

with intervals as (
    select * from {{ ref('int_account_balance_intervals') }}
    {%- if is_incremental() %}
    -- only the stretches that reach into the window
    where valid_to > {{ refresh_window_start(latest_month_built) }}
    {%- endif %}
),

months as (
    select * from {{ ref('int_months') }}
    {%- if is_incremental() %}
    where {{ in_refresh_window('month_start', latest_month_built) }}
    {%- endif %}
),

accounts as (
    select * from {{ ref('stg_bank__accounts') }}
),

fx_rates as (
    select * from {{ ref('stg_bank__fx_rates') }}
),

stretch_months as (
    select
        intervals.account_id,
        months.month_start,
        months.days_counted,
        intervals.balance,
        {{ dbt.datediff(
            'greatest(intervals.valid_from, months.month_start)',
            'least(intervals.valid_to, ' ~ dbt.dateadd('day', 1, 'months.period_end') ~ ')',
            'day') }} as days_held,
        case when intervals.valid_from <= months.period_end and intervals.valid_to > months.period_end
            then intervals.balance else 0 end as period_end_balance
    from intervals
    inner join months
        on intervals.valid_from <= months.period_end
        and intervals.valid_to > months.month_start
),

account_months as (
    select
        account_id,
        month_start,
        {{ double_numerator('sum(balance * days_held)') }} / max(days_counted) as avg_balance,
        sum(period_end_balance) as month_end_balance,
        -- below zero the account holds debt, not negative assets (docs/rules.md section 3)
        {{ double_numerator('sum(case when balance < 0 then -balance * days_held else 0 end)') }} / max(days_counted) as avg_overdraft,
        sum(case when period_end_balance < 0 then -period_end_balance else 0 end) as month_end_overdraft
    from stretch_months
    group by account_id, month_start
),

-- A foreign-currency account converts at the latest rate on or before the period end (else the
-- earliest rate known); CNY accounts at 1.
month_rates as (
    select
        accounts.account_id,
        months.month_start,
        max(case when fx_rates.rate_date <= months.period_end then fx_rates.rate_date end) as rate_date_before,
        min(fx_rates.rate_date) as first_rate_date
    from accounts
    inner join fx_rates on accounts.currency = fx_rates.currency
    cross join months
    where accounts.currency <> 'CNY'
    group by accounts.account_id, months.month_start
),

rates as (
    select month_rates.account_id, month_rates.month_start, fx_rates.cny_per_unit
    from month_rates
    inner join accounts on month_rates.account_id = accounts.account_id
    inner join fx_rates
        on accounts.currency = fx_rates.currency
        and fx_rates.rate_date = coalesce(month_rates.rate_date_before, month_rates.first_rate_date)
)

select
    account_months.account_id,
    accounts.customer_id,
    accounts.branch_id,
    accounts.product_type,
    accounts.product_category,
    accounts.is_aum,
    accounts.is_deposit,
    accounts.currency,
    account_months.month_start,
    account_months.avg_balance,
    account_months.month_end_balance,
    case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as cny_per_unit,
    account_months.avg_balance * case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as avg_balance_cny,
    account_months.month_end_balance * case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as month_end_balance_cny,
    -- the balance counted as assets: each day's balance at no less than zero; and the overdraft beside it
    (account_months.avg_balance + account_months.avg_overdraft)
        * case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as avg_asset_balance_cny,
    (account_months.month_end_balance + account_months.month_end_overdraft)
        * case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as month_end_asset_balance_cny,
    account_months.avg_overdraft * case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as avg_overdraft_cny,
    account_months.month_end_overdraft * case when accounts.currency = 'CNY' then 1 else rates.cny_per_unit end as month_end_overdraft_cny
from account_months
inner join accounts on account_months.account_id = accounts.account_id
left join rates
    on account_months.account_id = rates.account_id
    and account_months.month_start = rates.month_start
