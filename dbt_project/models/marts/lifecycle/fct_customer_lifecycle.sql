{#- One row per customer per month with exactly one lifecycle stage (docs/rules.md section 4), the rule that
    decided it and the measures the rules read. The rules apply top to bottom; the first that matches
    wins: termination, potential, development, decline, growth, maturity. -#}
{%- set trend_n = var('lifecycle_trend_months') %}
{%- set txn_n = var('lifecycle_txn_window_months') %}

with customer_months as (
    select * from {{ ref('int_customer_months') }}
),

months as (
    select month_start, period_end from {{ ref('int_months') }}
),

measured as (
    select
        customer_months.customer_id,
        customer_months.home_branch_id,
        customer_months.month_start,
        months.period_end,
        customer_months.monthly_avg_aum,
        customer_months.month_end_aum,
        customer_months.n_products_held,
        customer_months.n_open_accounts,
        customer_months.n_customer_transactions,
        customer_months.first_funded_date,
        customer_months.first_funded_date is not null
            and customer_months.first_funded_date <= months.period_end as is_ever_funded,
        lag(customer_months.monthly_avg_aum, {{ trend_n }}) over (
            partition by customer_months.customer_id order by customer_months.month_start) as aum_trend_base,
        lag(customer_months.n_products_held, {{ trend_n }}) over (
            partition by customer_months.customer_id order by customer_months.month_start) as n_products_held_before,
        max(customer_months.monthly_avg_aum) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between {{ var('lifecycle_peak_window_months') - 1 }} preceding and current row) as peak_monthly_avg_aum,
        sum(customer_months.n_customer_transactions) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between {{ txn_n - 1 }} preceding and current row) as customer_txns_recent,
        sum(customer_months.n_customer_transactions) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between {{ 2 * txn_n - 1 }} preceding and {{ txn_n }} preceding) as customer_txns_prior,
        sum(customer_months.n_customer_transactions) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between {{ var('lifecycle_termination_inactive_months') - 1 }} preceding and current row)
            as customer_txns_termination_window,
        max(case when customer_months.n_customer_transactions > 0 then customer_months.month_start end) over (
            partition by customer_months.customer_id order by customer_months.month_start
            rows between unbounded preceding and current row) as last_active_month
    from customer_months
    inner join months on customer_months.month_start = months.month_start
),

with_measures as (
    select
        measured.*,
        case when is_ever_funded
            then {{ month_diff('first_funded_date', 'period_end') }} end as tenure_months,
        case when aum_trend_base > 0
            then (monthly_avg_aum - aum_trend_base) / aum_trend_base end as aum_trend_3m,
        case when peak_monthly_avg_aum > 0
            then monthly_avg_aum / peak_monthly_avg_aum end as share_of_peak_aum,
        case when last_active_month is null then null
            else {{ month_diff('last_active_month', 'month_start') }} end as months_inactive,
        -- first funded less than N months before the month end
        is_ever_funded and first_funded_date > cast({{ dbt.dateadd('month', -var('lifecycle_development_months'), 'period_end') }} as date)
            as is_recently_funded
    from measured
),

staged as (
    -- the rules, top to bottom: the first that matches decides; the stage is the rule's first word
    select
        with_measures.*,
        case
            when is_ever_funded and n_open_accounts = 0 then 'termination: all accounts closed'
            when is_ever_funded and month_end_aum = 0 and coalesce(customer_txns_termination_window, 0) = 0
                then 'termination: zero AUM and no customer transaction in {{ var("lifecycle_termination_inactive_months") }} months'
            when not is_ever_funded then 'potential: never held a funded account'
            when is_recently_funded then 'development: first funded under {{ var("lifecycle_development_months") }} months ago'
            when share_of_peak_aum <= {{ var('lifecycle_decline_peak_share') }}
                then 'decline: AUM at most {{ var("lifecycle_decline_peak_share") }} of its {{ var("lifecycle_peak_window_months") }}-month peak'
            when aum_trend_3m <= {{ var('lifecycle_decline_trend') }}
                then 'decline: {{ trend_n }}-month AUM trend at most {{ var("lifecycle_decline_trend") }}'
            when customer_txns_prior >= {{ var('lifecycle_txn_min_prior') }}
                and customer_txns_recent <= {{ var('lifecycle_txn_drop_share') }} * customer_txns_prior
                then 'decline: customer transactions at most {{ var("lifecycle_txn_drop_share") }} of the {{ txn_n }} months before'
            when aum_trend_3m >= {{ var('lifecycle_growth_trend') }}
                then 'growth: {{ trend_n }}-month AUM trend at least {{ var("lifecycle_growth_trend") }}'
            when n_products_held > n_products_held_before then 'growth: more products than {{ trend_n }} months before'
            else 'maturity: funded, stable'
        end as stage_rule
    from with_measures
)

select
    -- ids
    customer_id,
    home_branch_id,
    month_start,
    -- the stage and why
    {{ dbt.split_part('stage_rule', "':'", 1) }} as lifecycle_stage,
    stage_rule,
    -- the measures the rules read
    tenure_months,
    first_funded_date,
    monthly_avg_aum,
    month_end_aum,
    {{ typed('aum_trend_base', 'decimal(18, 2)') }} as monthly_avg_aum_{{ trend_n }}m_before,
    {{ typed('aum_trend_3m', type_double()) }} as aum_trend_3m,
    {{ typed('peak_monthly_avg_aum', 'decimal(18, 2)') }} as peak_monthly_avg_aum,
    {{ typed('share_of_peak_aum', type_double()) }} as share_of_peak_aum,
    {{ typed('customer_txns_recent', 'bigint') }} as customer_txns_recent,
    {{ typed('customer_txns_prior', 'bigint') }} as customer_txns_prior,
    case when customer_txns_prior > 0 then cast(customer_txns_recent as {{ type_double() }}) / customer_txns_prior end
        as customer_txn_trend,
    n_products_held,
    n_products_held_before as n_products_held_{{ trend_n }}m_before,
    n_open_accounts,
    months_inactive
from staged
