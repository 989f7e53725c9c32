{#- One row per staff member per month with a prevention list (docs/rules.md section 10, the outcome loop):
    customers flagged, contacted, reached, and how many of those reached and of those not reached started a
    churn event within the score's horizon; the difference of the two churn rates is the observed save rate.
    Observational, not causal: staff choose whom they reach, and customers who answer differ from those who do
    not, so the rate describes what happened, it does not measure what a call causes. -#}
with flags as (
    select * from {{ ref('fct_prevention_flags') }}
),

counted as (
    select
        staff_id,
        month_start,
        max(branch_id) as branch_id,
        max(case when is_plan_month then 1 else 0 end) = 1 as is_plan_month,
        count(*) as customers_flagged,
        sum(case when is_call then 1 else 0 end) as flagged_calls,
        sum(case when is_call then 0 else 1 end) as flagged_counter_tasks,
        {{ typed('sum(expected_loss)', 'decimal(38, 2)') }} as expected_loss_flagged,
        sum(case when was_contacted then 1 when was_contacted is null then null else 0 end) as customers_contacted,
        sum(case when was_reached then 1 when was_reached is null then null else 0 end) as customers_reached,
        sum(case when was_reached is not null and is_outcome_known then 1 else 0 end) as customers_with_outcome,
        sum(case when was_reached and is_outcome_known then 1 else 0 end) as reached_with_outcome,
        sum(case when was_reached and churned_within_horizon then 1 else 0 end) as reached_churned,
        sum(case when not was_reached and is_outcome_known then 1 else 0 end) as not_reached_with_outcome,
        sum(case when not was_reached and churned_within_horizon then 1 else 0 end) as not_reached_churned
    from flags
    group by staff_id, month_start
),

rates as (
    select
        counted.*,
        cast(reached_churned as {{ type_double() }}) / nullif(reached_with_outcome, 0) as churn_rate_reached,
        cast(not_reached_churned as {{ type_double() }}) / nullif(not_reached_with_outcome, 0) as churn_rate_not_reached
    from counted
)

select
    -- who, when
    staff_id,
    branch_id,
    month_start,
    is_plan_month,
    -- the list
    customers_flagged,
    flagged_calls,
    flagged_counter_tasks,
    expected_loss_flagged,
    -- what staff did (null for the plan month: not over)
    customers_contacted,
    customers_reached,
    customers_flagged - customers_reached as customers_not_reached,
    -- what the customers did within the horizon (counted where the outcome is known)
    customers_with_outcome,
    reached_with_outcome,
    reached_churned,
    not_reached_with_outcome,
    not_reached_churned,
    churn_rate_reached,
    churn_rate_not_reached,
    churn_rate_not_reached - churn_rate_reached as observed_save_rate
from rates
