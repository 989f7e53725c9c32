{#- The value of `expr` on the row of the group that is last by the columns `order_columns` (a list; the last
    of them breaks every tie), as one aggregate: cheaper than ranking every row with a window and keeping
    rank 1, which it replaces. `expr` must not be NULL on the rows it picks from. -#}
{% macro latest_by(expr, order_columns) -%}
    {{ return(adapter.dispatch('latest_by', 'branch_retention')(expr, order_columns)) }}
{%- endmacro %}

{#- DuckDB: arg_max over a row value, which compares column by column. -#}
{% macro default__latest_by(expr, order_columns) -%}
    arg_max({{ expr }}, ({{ order_columns | join(', ') }}))
{%- endmacro %}

{#- PostgreSQL has no arg_max: the first of the values ordered latest first. -#}
{% macro postgres__latest_by(expr, order_columns) -%}
    (array_agg({{ expr }} order by {% for c in order_columns %}{{ c }} desc{{ ', ' if not loop.last }}{% endfor %}))[1]
{%- endmacro %}

{#- Spark: max_by over a struct, which compares field by field. -#}
{% macro spark__latest_by(expr, order_columns) -%}
    max_by({{ expr }}, struct({{ order_columns | join(', ') }}))
{%- endmacro %}
