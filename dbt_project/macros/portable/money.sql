{#- Money in yuan with two decimals (分): rounding once, at the edge of a mart, keeps sums exact. -#}
{% macro money(expr) -%}
    cast(round({{ expr }}, 2) as decimal(18, 2))
{%- endmacro %}
