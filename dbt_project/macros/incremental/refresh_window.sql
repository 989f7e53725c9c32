{#- The refresh window of an incremental run: from `default_start`, a SQL date expression the model gives
    over {{ this }} (usually the latest month it has built, which the as-of date may have grown), or from
    var('refresh_from_month') when it is set and earlier (a monthly partition or backfill), up to, not
    including, var('refresh_to_month') when that is set. -#}

{#- The first day of the window (a SQL date expression). With refresh_from_month, the earlier of it and
    `default_start`: a daily run for a new month whose previous month missed its last days (a failed run
    on the 1st) catches that month up too, instead of leaving it as of the last day it saw. -#}
{% macro refresh_window_start(default_start) -%}
    {%- if var('refresh_from_month', none) -%}
    case when {{ default_start }} < cast('{{ var("refresh_from_month") }}' as date) then {{ default_start }}
        else cast('{{ var("refresh_from_month") }}' as date) end
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
