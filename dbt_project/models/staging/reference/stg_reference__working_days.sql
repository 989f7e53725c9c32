with source as (
    select * from {{ source('reference', 'working_days') }}
),

renamed as (
    select
        -- dates
        cast(calendar_date as date) as calendar_date,
        -- flags
        is_working_day,
        is_weekend,
        is_public_holiday,
        is_makeup_workday,
        -- descriptions
        holiday_name,
        source as calendar_source
    from source
)

select * from renamed
