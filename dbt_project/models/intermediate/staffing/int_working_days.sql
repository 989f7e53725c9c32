{#- One row per calendar day: the public-holiday calendar with the bank's overrides on top, and each
    working day's number within its month (1 = the first working day). -#}
with days as (
    select * from {{ ref('stg_reference__working_days') }}
),

overrides as (
    select * from {{ ref('calendar_overrides') }}
),

resolved as (
    select
        days.calendar_date,
        cast({{ dbt.date_trunc('month', 'days.calendar_date') }} as date) as month_start,
        coalesce(overrides.is_working_day, days.is_working_day) as is_working_day,
        days.is_public_holiday,
        days.is_makeup_workday,
        days.holiday_name,
        case when overrides.calendar_date is not null then 'override' else days.calendar_source end as calendar_source
    from days
    left join overrides on days.calendar_date = overrides.calendar_date
)

select
    resolved.*,
    case when is_working_day then
        sum(case when is_working_day then 1 else 0 end) over (
            partition by month_start order by calendar_date rows between unbounded preceding and current row)
    end as working_day_number,
    sum(case when is_working_day then 1 else 0 end) over (partition by month_start) as working_days_in_month
from resolved
