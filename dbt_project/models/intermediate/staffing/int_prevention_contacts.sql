{#- One row per prevention contact per month (docs/rules.md section 10, prevention calls): the customers with the
    highest expected loss (int_customer_risk_scores) that each responsible staff member's month can hold after
    its churn rescue calls, a call before the money goes.
    - The score read is the latest known before the month's calls can start: the month before (the plan month:
      the basis month, whose period ends on the as-of date).
    - Candidates: retention candidates (never special-type customers, nor customers with a special event) with
      at least one risk reason, a score of at least var prevention_min_risk_score and an expected loss above 0, assigned to a staff member that month, with no
      churn rescue call that month (the rescue call already covers them).
    - Slots per staff member and month: var risk_capacity_share of the monthly call capacity (daily capacity ×
      usable working days), at most the capacity left after the month's rescue calls. Callable customers fill
      the slots by expected loss, highest first; a customer without a usable phone ranked above the last one
      called becomes a counter task instead (no slot used: tellers do it at the next visit).
    - When: a risk about a maturity (next_maturity_date) is called from var maturity_reminder_days_before_start
      to var maturity_reminder_days_before_due days before it, in the month that window ends in (a window ending
      in a later month waits for that month's list; one already past is called on the first usable day and
      shows as after its due date); any other risk is spread over the first var prevention_due_working_days
      working days, highest expected loss first, and due by the last of them.
    On engines where the risk models are disabled the scores are an empty relation: no prevention contacts. -#}
with assignments as (
    select * from {{ ref('int_assignment_months') }}
),

plan as (
    select * from {{ ref('int_plan_month') }}
),

working_days as (
    select * from {{ ref('int_plan_working_days') }}
),

months as (
    select
        month_start,
        min(calendar_date) as first_day,
        max(calendar_date) as last_day,
        max(working_days_in_month) as working_days_in_month
    from working_days
    group by month_start
),

-- capacity per staff member and month; the plan month carries the basis month's staff (as fct_contact_plan)
staff_months as (
    select staff_id, month_start, daily_capacity from {{ ref('int_staff_months') }}
    union all
    select staff.staff_id, plan.plan_month as month_start, staff.daily_capacity
    from {{ ref('int_staff_months') }} as staff
    inner join plan on staff.month_start = plan.basis_month and plan.plan_month > plan.basis_month
),

customers as (
    select customer_id, has_usable_phone from {{ ref('stg_bank__customers') }}
),

events as (
    select * from {{ ref('int_churn_events') }}
),

do_not_chase as (
    -- customers with a churn event of a type the churn_types seed excludes from retention (special)
    select distinct customer_id from events where exclude_from_retention
),

rescued as (
    -- customer-months with a churn rescue contact (int_planned_contacts' rule), and whether it is a call
    select distinct
        assignments.customer_id,
        assignments.month_start,
        assignments.staff_id,
        customers.has_usable_phone
    from assignments
    inner join events
        on assignments.customer_id = events.customer_id
        and {{ is_churn_rescue_event('events', 'assignments.month_start') }}
    inner join customers on assignments.customer_id = customers.customer_id
    left join do_not_chase on assignments.customer_id = do_not_chase.customer_id
    where do_not_chase.customer_id is null
),

rescue_calls as (
    -- one rescue call per event, as int_planned_contacts plans them
    select
        rescued.staff_id,
        rescued.month_start,
        count(*) as rescue_calls
    from rescued
    inner join events
        on rescued.customer_id = events.customer_id
        and {{ is_churn_rescue_event('events', 'rescued.month_start') }}
    where rescued.has_usable_phone
    group by rescued.staff_id, rescued.month_start
),

slots as (
    select
        staff_months.staff_id,
        staff_months.month_start,
        least(
            cast(floor({{ var('risk_capacity_share') }} * staff_months.daily_capacity * months.working_days_in_month) as integer),
            greatest(staff_months.daily_capacity * months.working_days_in_month - coalesce(rescue_calls.rescue_calls, 0), 0)
        ) as prevention_slots
    from staff_months
    inner join months on staff_months.month_start = months.month_start
    left join rescue_calls
        on staff_months.staff_id = rescue_calls.staff_id and staff_months.month_start = rescue_calls.month_start
),

risk as (
    {{ customer_risk_months() }}
),

candidates as (
    select
        assignments.month_start,
        assignments.customer_id,
        assignments.home_branch_id,
        assignments.staff_id,
        assignments.monthly_avg_aum,
        customers.has_usable_phone,
        months.first_day,
        months.last_day,
        risk.month_start as score_month,
        risk.churn_risk_score,
        risk.expected_loss,
        risk.risk_reason_codes,
        risk.risk_reasons,
        risk.recommended_action,
        risk.next_maturity_date,
        cast({{ dbt.dateadd('day', -var('maturity_reminder_days_before_start'), 'risk.next_maturity_date') }} as date) as window_start,
        cast({{ dbt.dateadd('day', -var('maturity_reminder_days_before_due'), 'risk.next_maturity_date') }} as date) as window_end
    from assignments
    cross join plan
    inner join months on assignments.month_start = months.month_start
    inner join customers on assignments.customer_id = customers.customer_id
    inner join risk
        on assignments.customer_id = risk.customer_id
        and risk.month_start = case when assignments.month_start = plan.plan_month then plan.basis_month
            else cast({{ dbt.dateadd('month', -1, 'assignments.month_start') }} as date) end
    left join do_not_chase on assignments.customer_id = do_not_chase.customer_id
    left join rescued
        on assignments.customer_id = rescued.customer_id and assignments.month_start = rescued.month_start
    where do_not_chase.customer_id is null
        and rescued.customer_id is null
        and risk.is_retention_candidate
        and risk.risk_reason_codes is not null
        and risk.churn_risk_score >= {{ var('prevention_min_risk_score') }}
        and risk.expected_loss > 0
),

-- a maturity whose window ends after this month is called in that month, from that month's score
this_month as (
    select * from candidates
    where next_maturity_date is null or window_end <= last_day
),

ranked as (
    select
        this_month.*,
        row_number() over (
            partition by staff_id, month_start order by expected_loss desc, customer_id) as loss_rank,
        row_number() over (
            partition by staff_id, month_start, has_usable_phone order by expected_loss desc, customer_id) as kind_rank
    from this_month
),

selected as (
    select ranked.*
    from ranked
    inner join slots on ranked.staff_id = slots.staff_id and ranked.month_start = slots.month_start
    -- a call takes a slot; a counter task ranks among the calls (loss_rank - kind_rank calls come before it)
    where (ranked.has_usable_phone and ranked.kind_rank <= slots.prevention_slots)
        or (not ranked.has_usable_phone and ranked.loss_rank - ranked.kind_rank < slots.prevention_slots)
),

-- undated risks spread over the first prevention_due_working_days working days, highest expected loss first
undated as (
    select
        selected.customer_id,
        selected.month_start,
        row_number() over (partition by selected.staff_id, selected.month_start, selected.has_usable_phone
                           order by selected.expected_loss desc, selected.customer_id) as undated_rank,
        count(*) over (partition by selected.staff_id, selected.month_start, selected.has_usable_phone) as n_undated,
        least({{ var('prevention_due_working_days') }}, months.working_days_in_month) as due_working_day
    from selected
    inner join months on selected.month_start = months.month_start
    where selected.next_maturity_date is null
),

undated_days as (
    select
        undated.customer_id,
        undated.month_start,
        earliest_day.calendar_date as earliest_date,
        due_day.calendar_date as due_date
    from undated
    left join working_days as earliest_day
        on earliest_day.month_start = undated.month_start
        and earliest_day.working_day_number
            = cast(floor((undated.undated_rank - 1) * undated.due_working_day / undated.n_undated) as integer) + 1
    left join working_days as due_day
        on due_day.month_start = undated.month_start
        and due_day.working_day_number = undated.due_working_day
)

select
    selected.month_start,
    selected.customer_id,
    selected.home_branch_id,
    selected.staff_id,
    selected.monthly_avg_aum,
    'prevention' as contact_reason,
    2 as priority,
    {{ dbt.concat(["'risk-'", dbt.cast('selected.score_month', api.Column.translate_type('string'))]) }} as contact_reference,
    case when selected.next_maturity_date is null then undated_days.earliest_date
        else greatest(selected.window_start, selected.first_day) end as earliest_date,
    case when selected.next_maturity_date is null then undated_days.due_date
        else selected.window_end end as due_date,
    selected.has_usable_phone,
    selected.loss_rank as prevention_rank,
    selected.score_month,
    selected.churn_risk_score,
    selected.expected_loss,
    selected.risk_reason_codes,
    selected.risk_reasons,
    selected.recommended_action as suggested_action,
    selected.next_maturity_date
from selected
left join undated_days
    on selected.customer_id = undated_days.customer_id and selected.month_start = undated_days.month_start
