{#- One row per churn event with the window its signals read (docs/rules.md section 5): from the start of the
    month before the event to the end of its last month, and the end of its first month (where the contact
    gap is measured). -#}
with events as (
    select * from {{ ref('int_churn_events_detected') }}
),

months as (
    select month_start, period_end from {{ ref('int_months') }}
)

select
    events.*,
    cast({{ dbt.dateadd('month', -1, 'events.event_month') }} as date) as window_start,
    last_months.period_end as window_end,
    first_months.period_end as first_period_end
from events
inner join months as first_months on events.event_month = first_months.month_start
inner join months as last_months on events.last_month = last_months.month_start
