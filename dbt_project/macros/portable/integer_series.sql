{#- The integers 1 .. upper_bound as column generated_number, an integer on every engine (dbt's
    generate_series; on Spark its arithmetic gives a double, so 'routine-' || n read 'routine-1.0'). -#}
{% macro integer_series(upper_bound) -%}
    {{ return(adapter.dispatch('integer_series', 'branch_retention')(upper_bound)) }}
{%- endmacro %}

{% macro default__integer_series(upper_bound) -%}
    {{ dbt.generate_series(upper_bound) }}
{%- endmacro %}

{% macro spark__integer_series(upper_bound) -%}
    select cast(id as int) as generated_number from range(1, {{ upper_bound }} + 1)
{%- endmacro %}
