{#- One row per calendar day a plan can use: every day of the window's months, and the plan month's days
    after the as-of date only (docs/rules.md section 6: the call list starts on the first working day after
    the as-of date, and capacity is what the plan month's remaining working days hold). Working days are
    numbered within their month from the first usable one, as int_working_days numbers the calendar. -#}
with days as (
    select * from {{ ref('int_working_days') }}
),

plan as (
    select * from {{ ref('int_plan_month') }}
),

usable as (
    select days.calendar_date, days.month_start, days.is_working_day, days.is_public_holiday,
        days.is_makeup_workday, days.holiday_name, days.calendar_source
    from days
    cross join plan
    where days.month_start <> plan.plan_month or days.calendar_date > plan.as_of_date
)

select
    usable.*,
    case when is_working_day then
        sum(case when is_working_day then 1 else 0 end) over (
            partition by month_start order by calendar_date rows between unbounded preceding and current row)
    end as working_day_number,
    sum(case when is_working_day then 1 else 0 end) over (partition by month_start) as working_days_in_month
from usable
