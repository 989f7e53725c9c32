with source as (
    select * from {{ source('bank', 'branches') }}
),

renamed as (
    select
        -- ids
        branch_id,
        -- descriptions
        branch_name,
        city,
        -- dates
        opened_date
    from source
)

select * from renamed
