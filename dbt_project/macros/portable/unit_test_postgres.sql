{#- dbt's unit-test materialization on PostgreSQL, with one change: numeric columns are compared by value.
    PostgreSQL's numeric keeps each value's scale (320 and 320.00, 490 and 490.0000000000000000 from a
    division), and dbt compares the two sides as they print, so a unit test written once for every engine
    would fail there on equal numbers; and a ratio DuckDB computes in double precision (1333.3333333333333
    in a test) has more digits in numeric. Here both sides of a numeric column are compared rounded to 10
    decimals, trailing zeros trimmed (trim_scale, PostgreSQL 13+); every other column, and the materialization otherwise, are dbt's own (dbt-core 1.11 unit.sql). -#}
{%- materialization unit, adapter='postgres' -%}

  {% set relations = [] %}
  {% set sql_header = config.get('sql_header') if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none %}

  {% set expected_rows = config.get('expected_rows') %}
  {% set expected_sql = config.get('expected_sql') %}
  {% set tested_expected_column_names = expected_rows[0].keys() if (expected_rows | length ) > 0 else get_columns_in_query(sql) %}

  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set temp_relation = make_temp_relation(target_relation)-%}
  {% do run_query(get_create_table_as_sql(True, temp_relation, get_empty_subquery_sql(sql))) %}
  {%- set columns_in_relation = adapter.get_columns_in_relation(temp_relation) -%}
  {%- set column_name_to_data_types = {} -%}
  {%- set column_name_to_quoted = {} -%}
  {%- for column in columns_in_relation -%}
  {%-   do column_name_to_data_types.update({column.name|lower: column.data_type}) -%}
  {%-   do column_name_to_quoted.update({column.name|lower: column.quoted}) -%}
  {%- endfor -%}

  {%- set expected_column_names_quoted = [] -%}
  {%- set compared_columns = [] -%}
  {%- for column_name in tested_expected_column_names -%}
  {%-   set quoted = column_name_to_quoted[column_name|lower] -%}
  {%-   do expected_column_names_quoted.append(quoted) -%}
  {%-   if (column_name_to_data_types[column_name|lower] | lower).startswith('numeric') -%}
  {%-     do compared_columns.append('trim_scale(round(' ~ quoted ~ ', 10)) as ' ~ quoted) -%}
  {%-   else -%}
  {%-     do compared_columns.append(quoted) -%}
  {%-   endif -%}
  {%- endfor -%}

  {% if not expected_sql %}
  {%   set expected_sql = get_expected_sql(expected_rows, column_name_to_data_types, column_name_to_quoted) %}
  {% endif %}
  {% set unit_test_sql = get_unit_test_sql(sql, expected_sql, compared_columns) %}

  {% call statement('main', fetch_result=True) -%}

    {% if sql_header %}{{ sql_header }}{% endif %}
    {{ unit_test_sql }}

  {%- endcall %}

  {% do adapter.drop_relation(temp_relation) %}

  {{ return({'relations': relations}) }}

{%- endmaterialization -%}
