{#- The values of `expr` joined into one text, sorted (and distinct unless told otherwise), so the same
    input always gives the same text: evidence lists and id lists must not change order between runs. -#}
{% macro sorted_list(expr, delimiter_text="', '", distinct=true) -%}
    {{ dbt.listagg(('distinct ' if distinct else '') ~ expr, delimiter_text, 'order by ' ~ expr) }}
{%- endmacro %}
