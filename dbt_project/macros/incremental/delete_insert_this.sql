{#- Incremental strategy 'delete+insert+this': dbt's delete+insert, except that an incremental predicate may
    name the model's own table as {this}. dbt renders a model's config when it parses the project, before
    it has worked out the model's schema, so {{ this }} written into incremental_predicates names the wrong
    table (dbt-core issue 6658); hooks are rendered again when the model runs, predicates are not. This
    strategy puts in the table the run writes to, then hands over to the adapter's own delete+insert, so
    it runs wherever delete+insert does. Write predicates with unqualified column names: they are the
    target's (dbt-duckdb gives the target no alias, dbt's default calls it DBT_INTERNAL_DEST). -#}
{% macro get_incremental_delete_insert_this_sql(arg_dict) -%}
    {%- set predicates = [] -%}
    {%- for predicate in arg_dict['incremental_predicates'] or [] -%}
        {%- do predicates.append(predicate | replace('{this}', arg_dict['target_relation'] | string)) -%}
    {%- endfor -%}
    {%- set delete_insert_args = {} -%}
    {%- do delete_insert_args.update(arg_dict) -%}
    {%- do delete_insert_args.update({'incremental_predicates': predicates}) -%}
    {{- return(get_incremental_delete_insert_sql(delete_insert_args)) -}}
{%- endmacro %}
