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

{#- `expr` as `data_type`, the type DuckDB gives it already: unchanged on DuckDB (its SQL stays as it was),
    cast on the other engines, so a mart's column has one type everywhere. PostgreSQL drops a numeric's
    precision and scale through coalesce(), lag(), max() and sum() (numeric(18, 2) becomes numeric),
    divides numerics into numerics where DuckDB gives a double, and sums bigints into numerics; DuckDB's
    hugeint sums are bigint elsewhere (publishing casts them to bigint on DuckDB too). -#}
{% macro typed(expr, data_type) -%}
    {{ return(adapter.dispatch('typed', 'branch_retention')(expr, data_type)) }}
{%- endmacro %}

{% macro default__typed(expr, data_type) -%}
    {{ expr }}
{%- endmacro %}

{% macro postgres__typed(expr, data_type) -%}
    cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{% macro spark__typed(expr, data_type) -%}
    cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{#- The numerator of a division whose quotient DuckDB computes as a double (a decimal divided by an integer):
    unchanged on DuckDB and PostgreSQL; a double on Spark, whose decimal quotient keeps only 6 decimals and
    so can round a month's average one fen away from DuckDB's once converted and summed. -#}
{% macro double_numerator(expr) -%}
    {{ return(adapter.dispatch('double_numerator', 'branch_retention')(expr)) }}
{%- endmacro %}

{% macro default__double_numerator(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro spark__double_numerator(expr) -%}
    cast({{ expr }} as double)
{%- endmacro %}
