{#- The refresh window of an incremental run, as fct_customer_months reads it: from var('refresh_from_month')
    when it is set (a monthly partition or backfill), else from `default_start`, a SQL date expression the
    model gives over {{ this }} (usually the latest month it has built, which the as-of date may have grown),
    up to, not including, var('refresh_to_month') when that is set. -#}

{#- The first day of the window (a SQL date expression). -#}
{% macro refresh_window_start(default_start) -%}
    {%- if var('refresh_from_month', none) -%}
    cast('{{ var("refresh_from_month") }}' as date)
    {%- else -%}
    {{ default_start }}
    {%- endif -%}
{%- endmacro %}

{#- A condition: the date `column` falls in the window. -#}
{% macro in_refresh_window(column, default_start) -%}
    {{ column }} >= {{ refresh_window_start(default_start) }}
    {%- if var('refresh_to_month', none) %}
    and {{ column }} < cast('{{ var("refresh_to_month") }}' as date)
    {%- endif -%}
{%- endmacro %}
