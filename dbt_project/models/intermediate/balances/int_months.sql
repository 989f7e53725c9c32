{#- One row per calendar month of the data window, plus one baseline month before it.
    `period_end` is the last day counted: the month's last day, or the as-of date in its month. -#}
with bounds as (
    select
        {% if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
        (select max(txn_date) from {{ ref('stg_bank__transactions') }})
        {%- endif %} as as_of_date,
        {% if var('window_start_month') -%}
        cast('{{ var("window_start_month") }}' as date)
        {%- else -%}
        (select cast({{ dbt.date_trunc('month', 'min(txn_date)') }} as date) from {{ ref('stg_bank__transactions') }})
        {%- endif %} as window_start
),

numbers as (
    {{ integer_series(var('max_window_months') + 1) }}
),

months as (
    select
        cast({{ dbt.dateadd('month', 'numbers.generated_number - 2', 'bounds.window_start') }} as date) as month_start,
        bounds.as_of_date,
        bounds.window_start
    from numbers
    cross join bounds
),

final as (
    select
        month_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,
        case
            when as_of_date < cast({{ dbt.last_day('month_start', 'month') }} as date) then as_of_date
            else cast({{ dbt.last_day('month_start', 'month') }} as date)
        end as period_end,
        as_of_date,
        month_start < window_start as is_baseline
    from months
    where month_start <= as_of_date
)

select
    month_start,
    month_end,
    period_end,
    -- days the monthly daily average divides by: calendar days, up to the as-of date in its month
    {{ dbt.datediff('month_start', 'period_end', 'day') }} + 1 as days_counted,
    as_of_date,
    is_baseline
from final
