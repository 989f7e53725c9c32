{#- Whole months from `start_date` to `end_date`: (year × 12 + month) of the end minus that of the start,
    whatever the days (2024-01-31 to 2024-02-01 is 1). An integer on every engine: dbt's datediff gives
    that on DuckDB, a double precision on PostgreSQL (mod() then fails), and Spark's months_between
    counts fractions and end-of-month days, one too high at month ends. -#}
{% macro month_diff(start_date, end_date) -%}
    {{ return(adapter.dispatch('month_diff', 'branch_retention')(start_date, end_date)) }}
{%- endmacro %}

{#- DuckDB: date_diff('month') counts month boundaries, which is year × 12 + month already. -#}
{% macro default__month_diff(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'month') }}
{%- endmacro %}

{% macro postgres__month_diff(start_date, end_date) -%}
    cast((extract(year from {{ end_date }}) * 12 + extract(month from {{ end_date }}))
        - (extract(year from {{ start_date }}) * 12 + extract(month from {{ start_date }})) as bigint)
{%- endmacro %}

{% macro spark__month_diff(start_date, end_date) -%}
    cast((year({{ end_date }}) * 12 + month({{ end_date }}))
        - (year({{ start_date }}) * 12 + month({{ start_date }})) as bigint)
{%- endmacro %}
