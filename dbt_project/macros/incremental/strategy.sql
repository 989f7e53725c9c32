{#- The incremental strategy per adapter. DuckDB and PostgreSQL delete the rebuilt months (or keys) and
    insert them again ('delete+insert', or 'delete+insert+this' for a predicate that reads the model's own
    table); Spark has no delete+insert (append, merge, insert_overwrite, microbatch): it overwrites the
    rebuilt partitions ('insert_overwrite' by the model's partition column, partition_by). -#}
{% macro incremental_strategy_for(strategy) -%}
    {{ return(adapter.dispatch('incremental_strategy_for', 'branch_retention')(strategy)) }}
{%- endmacro %}

{% macro default__incremental_strategy_for(strategy) -%}
    {{ return(strategy) }}
{%- endmacro %}

{% macro spark__incremental_strategy_for(strategy) -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
