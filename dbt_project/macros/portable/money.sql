{#- Money in yuan with two decimals (分): rounding once, at the edge of a mart, keeps sums exact.
    The cast to a wide decimal first makes round() take two arguments on every engine (PostgreSQL has
    no round(double precision, integer)). -#}
{% macro money(expr) -%}
    cast(round(cast({{ expr }} as decimal(38, 6)), 2) as decimal(18, 2))
{%- endmacro %}
