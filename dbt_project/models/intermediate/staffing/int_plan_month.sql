{#- One row: the month the call lists are for, and the month whose assignments they start from.
    var('plan_month') or, by default, the month after the as-of date when it is a month end (the month
    is over), else the as-of month. -#}
with as_of as (
    select max(month_start) as as_of_month, max(period_end) as as_of_date, max(month_end) as as_of_month_end
    from {{ ref('int_months') }}
)

select
    {% if var('plan_month') -%}
    cast('{{ var("plan_month") }}' as date)
    {%- else -%}
    case when as_of_date = as_of_month_end
        then cast({{ dbt.dateadd('month', 1, 'as_of_month') }} as date)
        else as_of_month
    end
    {%- endif %} as plan_month,
    as_of_month as basis_month,
    as_of_date
from as_of
