{#- One row per customer on a staff member's prevention list per month (docs/rules.md section 10, the outcome
    loop): the prevention call (or counter task, without a usable phone) planned from the early warning's score,
    whether anyone at the bank contacted and reached the customer that month (contact_logs), and whether a
    churn event started within the score's horizon. The plan month's rows are today's list: contact and outcome
    are not known yet. Observational: reached customers are not a random sample of the flagged ones. -#}
with prevention as (
    select * from {{ ref('int_prevention_contacts') }}
),

plan as (
    select * from {{ ref('int_plan_month') }}
),

risk as (
    select customer_id, month_start, is_outcome_known, churned_within_horizon, next_event_month, next_event_churn_type
    from {{ ref('fct_customer_risk_months') }}
),

logs as (
    select customer_id, contact_date, is_successful from {{ ref('stg_bank__contact_logs') }}
),

contacted as (
    -- contacts logged in the flag's month by anyone, up to the as-of date
    select
        prevention.customer_id,
        prevention.month_start,
        count(logs.customer_id) as contacts_made,
        sum(case when logs.is_successful then 1 else 0 end) as contacts_reached
    from prevention
    cross join plan
    inner join logs
        on prevention.customer_id = logs.customer_id
        and logs.contact_date >= prevention.month_start
        and logs.contact_date < cast({{ dbt.dateadd('month', 1, 'prevention.month_start') }} as date)
        and logs.contact_date <= plan.as_of_date
    group by prevention.customer_id, prevention.month_start
),

final as (
    select
        -- who, when
        prevention.month_start,
        prevention.staff_id,
        prevention.home_branch_id as branch_id,
        prevention.customer_id,
        prevention.month_start = plan.plan_month as is_plan_month,
        -- the flag
        prevention.prevention_rank,
        prevention.has_usable_phone as is_call,
        prevention.score_month,
        prevention.churn_risk_score,
        prevention.expected_loss,
        prevention.risk_reason_codes,
        prevention.risk_reasons,
        prevention.suggested_action,
        prevention.next_maturity_date,
        prevention.due_date,
        -- what happened (null while the month's contacts are not over: the plan month)
        case when prevention.month_start < plan.plan_month then coalesce(contacted.contacts_made, 0) > 0 end as was_contacted,
        case when prevention.month_start < plan.plan_month then coalesce(contacted.contacts_reached, 0) > 0 end as was_reached,
        risk.is_outcome_known,
        case when risk.is_outcome_known then risk.churned_within_horizon = 1 end as churned_within_horizon,
        risk.next_event_month,
        risk.next_event_churn_type
    from prevention
    cross join plan
    left join contacted
        on prevention.customer_id = contacted.customer_id and prevention.month_start = contacted.month_start
    left join risk on prevention.customer_id = risk.customer_id and prevention.score_month = risk.month_start
)

select * from final
