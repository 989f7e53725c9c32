{#- A double-precision float for ratios and shares. dbt's type_float() is a 4-byte float on DuckDB,
    which prints 0.05 as 0.0500000007. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'branch_retention')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
