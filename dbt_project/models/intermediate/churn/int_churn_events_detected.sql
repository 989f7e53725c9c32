{#- One row per churn event (docs/rules.md section 5): a run of consecutive qualifying customer-months. A
    month qualifies when the measured tier falls below the month before's, or month-end AUM falls by
    at least churn_aum_fall_share and churn_aum_fall_min, or the last account closes (销户). One outflow
    can qualify two months (a daily average lags the balance), so consecutive months are one event,
    dated by its first month. -#}
with customer_months as (
    select * from {{ ref('int_customer_months') }}
),

compared as (
    select
        customer_id,
        home_branch_id,
        month_start,
        measured_tier,
        measured_tier_rank,
        monthly_avg_aum,
        month_end_aum,
        n_open_accounts,
        lag(measured_tier) over (partition by customer_id order by month_start) as previous_tier,
        lag(measured_tier_rank) over (partition by customer_id order by month_start) as previous_tier_rank,
        lag(month_end_aum) over (partition by customer_id order by month_start) as previous_month_end_aum,
        lag(monthly_avg_aum) over (partition by customer_id order by month_start) as previous_monthly_avg_aum,
        lag(n_open_accounts) over (partition by customer_id order by month_start) as previous_open_accounts,
        {{ month_diff("cast('2000-01-01' as date)", 'month_start') }} as month_number
    from customer_months
),

qualified as (
    select
        compared.*,
        coalesce(measured_tier_rank < previous_tier_rank, false) as is_tier_drop,
        coalesce(
            month_end_aum <= (1 - {{ var('churn_aum_fall_share') }}) * previous_month_end_aum
            and previous_month_end_aum - month_end_aum >= {{ var('churn_aum_fall_min') }},
            false
        ) as is_aum_fall,
        coalesce(n_open_accounts = 0 and previous_open_accounts > 0, false) as is_last_account_closed
    from compared
),

qualifying as (
    select
        qualified.*,
        month_number - row_number() over (partition by customer_id order by month_start) as run_id
    from qualified
    where is_tier_drop or is_aum_fall or is_last_account_closed
),

runs as (
    select
        customer_id,
        run_id,
        min(month_start) as event_month,
        max(month_start) as last_month,
        count(*) as n_months,
        max(case when is_tier_drop then 1 else 0 end) = 1 as qualified_by_tier_drop,
        max(case when is_aum_fall then 1 else 0 end) = 1 as qualified_by_aum_fall,
        max(case when is_last_account_closed then 1 else 0 end) = 1 as qualified_by_account_closure
    from qualifying
    group by customer_id, run_id
)

select
    {{ dbt.concat(['runs.customer_id', "'-'", dbt.cast('runs.event_month', api.Column.translate_type('string'))]) }} as churn_event_id,
    runs.customer_id,
    first_month.home_branch_id,
    runs.event_month,
    runs.last_month,
    runs.n_months,
    runs.qualified_by_tier_drop,
    runs.qualified_by_aum_fall,
    runs.qualified_by_account_closure,
    coalesce(first_month.previous_tier, 'none') as tier_before,
    last_month.measured_tier as tier_after,
    coalesce(first_month.previous_tier_rank, 0) as tier_before_rank,
    {{ typed('coalesce(first_month.previous_month_end_aum, 0)', 'decimal(18, 2)') }} as month_end_aum_before,
    last_month.month_end_aum as month_end_aum_after,
    {{ typed('coalesce(first_month.previous_monthly_avg_aum, 0)', 'decimal(18, 2)') }} as monthly_avg_aum_before,
    last_month.monthly_avg_aum as monthly_avg_aum_after
from runs
inner join qualified as first_month
    on runs.customer_id = first_month.customer_id and runs.event_month = first_month.month_start
inner join qualified as last_month
    on runs.customer_id = last_month.customer_id and runs.last_month = last_month.month_start
