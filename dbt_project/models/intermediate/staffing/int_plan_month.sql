{#- One row: the month the call lists are for, the month whose assignments they start from, the as-of date
    and the first day a call can be made. The call list starts on the first working day after the as-of
    date, never on or before it (docs/rules.md section 6): by default the plan month is the month holding
    that day (the next month when the as-of date is a month end or the month's last working day, else the
    as-of month); var('plan_month') overrides it. -#}
with as_of as (
    select max(month_start) as as_of_month, max(period_end) as as_of_date
    from {{ ref('int_months') }}
),

first_call_day as (
    select min(days.calendar_date) as first_call_date
    from {{ ref('int_working_days') }} as days
    cross join as_of
    where days.is_working_day and days.calendar_date > as_of.as_of_date
)

select
    {% if var('plan_month') -%}
    cast('{{ var("plan_month") }}' as date)
    {%- else -%}
    coalesce(
        cast({{ dbt.date_trunc('month', 'first_call_day.first_call_date') }} as date),
        cast({{ dbt.dateadd('month', 1, 'as_of.as_of_month') }} as date)
    )
    {%- endif %} as plan_month,
    as_of.as_of_month as basis_month,
    as_of.as_of_date,
    first_call_day.first_call_date
from as_of
cross join first_call_day
