{#- Layers land in schemas named after them (staging, marts), not <target>_<layer>, so BI users
    and the Dagster publisher find `marts.dim_customers` under the same name on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
