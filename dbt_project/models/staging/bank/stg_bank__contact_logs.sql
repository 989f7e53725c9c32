with source as (
    select * from {{ source('bank', 'contact_logs') }}
),

renamed as (
    select
        -- ids
        contact_id,
        customer_id,
        staff_id,
        -- categories
        channel,
        outcome,
        outcome = 'reached' as is_successful,
        -- dates
        contact_ts,
        cast(contact_ts as date) as contact_date
    from source
)

select * from renamed
