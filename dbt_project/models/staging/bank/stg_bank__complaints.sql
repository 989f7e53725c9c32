with source as (
    select * from {{ source('bank', 'complaints') }}
),

renamed as (
    select
        -- ids
        complaint_id,
        customer_id,
        branch_id,
        -- categories
        category,
        resolved_ts is not null as is_resolved,
        -- dates
        created_ts,
        cast(created_ts as date) as created_date,
        resolved_ts
    from source
)

select * from renamed
