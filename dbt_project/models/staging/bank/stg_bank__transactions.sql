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
        -- Where the money went (docs/rules.md sections 5 and 9):
        --   bank_posting: interest and fees, the bank's own entries;
        --   internal: it stayed in the bank (the counterparty bank is this bank, or it is a transfer,
        --     product purchase/redemption, maturity payout or loan repayment with no counterparty bank);
        --   external: it entered or left the bank (cash, other banks and firms, card payments).
        case
            when txn_type in ('interest', 'fee') then 'bank_posting'
            when counterparty_bank = '{{ var("own_bank_code") }}' then 'internal'
            when counterparty_bank is null
                and txn_type in ('transfer_in', 'transfer_out', 'product_purchase', 'product_redemption',
                                 'maturity_payout', 'loan_repayment')
                and coalesce(channel, '') <> 'pos'
                then 'internal'
            else 'external'
        end as flow_scope,
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
