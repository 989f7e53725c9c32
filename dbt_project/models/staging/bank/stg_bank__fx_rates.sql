with source as (
    select * from {{ source('bank', 'fx_rates') }}
),

renamed as (
    select
        -- ids
        currency,
        -- amounts
        cny_per_unit,
        -- dates
        rate_date
    from source
)

select * from renamed
