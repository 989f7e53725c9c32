with source as (
    select * from {{ source('bank', 'staff') }}
),

renamed as (
    select
        -- ids
        staff_id,
        branch_id,
        -- personal data: kept here for matching, masked in marts
        {{ usable_text('staff_name') }} as staff_name,
        -- categories
        role,
        -- numbers: a null daily capacity means the role's default applies
        cast(daily_capacity as integer) as daily_capacity,
        -- dates
        hired_date,
        left_date
    from source
)

select * from renamed
