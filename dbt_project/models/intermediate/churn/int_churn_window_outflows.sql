{#- One row per churn event per external debit (money out of the bank) inside the event's window: what the
    consumption signal and the outflow totals read. -#}
select windows.churn_event_id, external_txns.*
from {{ ref('int_churn_event_windows') }} as windows
inner join {{ ref('int_transactions_categorised') }} as external_txns
    on windows.customer_id = external_txns.customer_id
    and external_txns.direction = 'debit'
    and external_txns.txn_date between windows.window_start and windows.window_end
