with source as (
    select * from {{ source('bank', 'withdrawal_registrations') }}
),

renamed as (
    select
        -- ids
        registration_id,
        customer_id,
        branch_id,
        staff_id,
        -- categories
        stated_purpose,
        -- amounts
        amount,
        -- dates
        registered_ts,
        cast(registered_ts as date) as registered_date,
        planned_date
    from source
)

select * from renamed
