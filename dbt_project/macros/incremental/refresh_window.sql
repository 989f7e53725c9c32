{#- The refresh window of an incremental run: from `default_start`, a SQL date expression the model gives
    over {{ this }} (usually the latest month it has built, which the as-of date may have grown), or from
    an earlier month when one is asked for or needed, up to, not including, var('refresh_to_month') when
    that is set and nothing earlier is pending. -#}

{#- The first month that rows accepted or changed by the loads since this model last built belong to (late
    rows, orphans released from quarantine, corrected history; raw.load_changes), or null. -#}
{% macro pending_changes_start() -%}
    (select min(affected_from) from {{ load_changes_relation() }}
     where load_seq > coalesce(
        (select max(absorbed_load_seq) from {{ build_state_relation() }} where model_name = '{{ this.name }}'), 0))
{%- endmacro %}

{#- The first day of the window (a SQL date expression): the earliest of `default_start`, the pending
    changes' first month and var('refresh_from_month') when set. A daily run for a new month whose previous
    month missed its last days (a failed run on the 1st) catches that month up too; a load that brought rows
    for March rebuilds from March. -#}
{% macro refresh_window_start(default_start) -%}
    least(
        {{ default_start }},
        {%- if var('refresh_from_month', none) %}
        cast('{{ var("refresh_from_month") }}' as date),
        {%- endif %}
        {{ pending_changes_start() }}
    )
{%- endmacro %}

{#- A condition: the date `column` falls in the window. The window's end (var('refresh_to_month')) holds
    only when no earlier change is pending: changed rows affect every month after theirs. -#}
{% macro in_refresh_window(column, default_start) -%}
    {{ column }} >= {{ refresh_window_start(default_start) }}
    {%- if var('refresh_to_month', none) %}
    and ({{ column }} < cast('{{ var("refresh_to_month") }}' as date) or {{ pending_changes_start() }} is not null)
    {%- endif -%}
{%- endmacro %}
