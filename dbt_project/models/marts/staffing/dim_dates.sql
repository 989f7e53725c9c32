{#- One row per calendar day of the working-day calendar (工作日 with 调休): public holidays and make-up
    working days from the chinese_calendar library, the bank's calendar_overrides seed on top. -#}
with days as (
    select * from {{ ref('int_working_days') }}
),

final as (
    select
        -- the day
        calendar_date,
        month_start,
        cast(extract(year from calendar_date) as integer) as calendar_year,
        cast(extract(month from calendar_date) as integer) as calendar_month,
        cast({{ iso_day_of_week("calendar_date") }} as integer) as iso_day_of_week,
        {{ iso_day_of_week("calendar_date") }} in (6, 7) as is_weekend,
        -- the calendar
        is_working_day,
        is_public_holiday,
        is_makeup_workday,
        holiday_name,
        calendar_source,
        working_day_number,
        working_days_in_month
    from days
)

select * from final
