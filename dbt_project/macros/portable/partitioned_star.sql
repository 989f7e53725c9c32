{#- `select *` of a table partitioned by `partition_column` on Spark, in the model's own column order. Spark
    keeps a partition column at the end of its table; the mart reading it puts the column back after
    `after` (its place in the model's select). DuckDB and PostgreSQL do not partition: `*`. -#}
{% macro partitioned_star(relation, partition_column, after) -%}
    {{ return(adapter.dispatch('partitioned_star', 'branch_retention')(relation, partition_column, after)) }}
{%- endmacro %}

{% macro default__partitioned_star(relation, partition_column, after) -%}
    *
{%- endmacro %}

{% macro spark__partitioned_star(relation, partition_column, after) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name != partition_column -%}
        {%- do names.append(column.name) -%}
        {%- if column.name == after -%}{%- do names.append(partition_column) -%}{%- endif -%}
    {%- endfor -%}
    {%- if partition_column not in names -%}{%- do names.append(partition_column) -%}{%- endif -%}
    {{ return(names | join(', ')) }}
{%- endmacro %}
