{#- ISO day of the week of a date: 1 = Monday … 7 = Sunday. DuckDB and PostgreSQL extract isodow; Spark
    has no isodow field: weekday() counts from 0 = Monday. -#}
{% macro iso_day_of_week(date) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'branch_retention')(date)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date) -%}
    extract(isodow from {{ date }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date) -%}
    (weekday({{ date }}) + 1)
{%- endmacro %}
