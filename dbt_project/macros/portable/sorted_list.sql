{#- The values of `expr` joined into one text, sorted (and distinct unless told otherwise), so the same
    input always gives the same text: evidence lists and id lists must not change order between runs.
    Sorted by code point on every engine, as DuckDB sorts text. -#}
{% macro sorted_list(expr, delimiter_text="', '", distinct=true) -%}
    {{ return(adapter.dispatch('sorted_list', 'branch_retention')(expr, delimiter_text, distinct)) }}
{%- endmacro %}

{% macro default__sorted_list(expr, delimiter_text, distinct) -%}
    {{ dbt.listagg(('distinct ' if distinct else '') ~ expr, delimiter_text, 'order by ' ~ expr) }}
{%- endmacro %}

{#- PostgreSQL sorts text by the database's collation: collate "C" is code-point order whatever that is
    (the cast to text first: with distinct, the argument and the order by must be the same expression). -#}
{% macro postgres__sorted_list(expr, delimiter_text, distinct) -%}
    string_agg({{ 'distinct ' if distinct else '' }}cast({{ expr }} as text) collate "C", {{ delimiter_text }}
        order by cast({{ expr }} as text) collate "C")
{%- endmacro %}

{#- Spark's collect_list keeps no order: sort the array (text sorts by code point), then join it. -#}
{% macro spark__sorted_list(expr, delimiter_text, distinct) -%}
    array_join(array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ expr }})), {{ delimiter_text }})
{%- endmacro %}

{#- The values of `expr` joined in the order of `order_by` (a column of the same rows; no ties). -#}
{% macro ordered_list(expr, order_by, delimiter_text="', '") -%}
    {{ return(adapter.dispatch('ordered_list', 'branch_retention')(expr, order_by, delimiter_text)) }}
{%- endmacro %}

{% macro default__ordered_list(expr, order_by, delimiter_text) -%}
    {{ dbt.listagg(expr, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{#- Spark's listagg takes no order: sort (order_by, value) pairs, then keep the values. -#}
{% macro spark__ordered_list(expr, order_by, delimiter_text) -%}
    array_join(transform(array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ expr }}))), x -> x.v),
        {{ delimiter_text }})
{%- endmacro %}
