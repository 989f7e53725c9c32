with source as (
    select * from {{ source('bank', 'transactions') }}
),

renamed as (
    select
        -- ids
        txn_id,
        account_id,
        -- categories
        direction,
        txn_type,
        channel,
        -- interest, fees and maturity payouts are postings by the bank, not the customer's own business
        txn_type not in ('interest', 'fee', 'maturity_payout') as is_customer_initiated,
        -- counterparty: an empty bank or the own-bank code means the money stayed in the bank
        counterparty_name,
        counterparty_bank,
        counterparty_account,
        memo,
        coalesce(counterparty_bank, '{{ var("own_bank_code") }}') <> '{{ var("own_bank_code") }}' as is_other_bank,
        -- amounts
        amount,
        case when direction = 'credit' then amount else -amount end as signed_amount,
        balance_after,
        -- dates
        txn_ts,
        cast(txn_ts as date) as txn_date
    from source
)

select * from renamed
