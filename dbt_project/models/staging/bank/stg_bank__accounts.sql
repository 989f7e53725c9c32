with source as (
    select * from {{ source('bank', 'accounts') }}
),

renamed as (
    select
        -- ids
        account_id,
        customer_id,
        branch_id,
        -- categories
        product_type,
        product_code,
        currency,
        case product_type
            when 'demand_deposit' then 'deposit'
            when 'time_deposit' then 'deposit'
            when 'wealth_product' then 'wealth'
            when 'fund' then 'fund'
            when 'insurance' then 'insurance'
            when 'loan' then 'loan'
        end as product_category,
        -- loans are a liability of the customer, not assets under management (docs/rules.md section 3)
        product_type <> 'loan' as is_aum,
        product_type in ('demand_deposit', 'time_deposit') as is_deposit,
        -- amounts
        opening_balance,
        interest_rate,
        -- dates
        opened_date,
        maturity_date,
        closed_date
    from source
)

select * from renamed
