{#- What an incremental model was built from, so that an incremental run gives exactly what a full build
    gives (docs/rules.md section 11). After each build of an incremental model a post-hook records, in
    meta.incremental_build_state:
    - fingerprint: a hash of the code of the model and of every model and seed upstream of it (dbt's file
      checksums: a seed's checksum is its content), of the project macros they call, and of the values of
      every var that code reads (as_of_date and the refresh window excepted: they say which months to
      build, not how);
    - as_of_date: the as-of date of the months it holds (null for a model that does not read int_months);
    - absorbed_load_seq: the last ingestion load whose changes it has taken in (raw.load_changes).
    The next run rebuilds the model from scratch by itself (should_full_refresh below) when there is no
    record, when the fingerprint differs, or when the as-of date moved back; and its refresh window starts
    no later than the earliest month that a load since absorbed_load_seq changed (refresh_window_start). -#}

{#- A relation of the project's own bookkeeping; Spark has schemas but no database above them. -#}
{% macro project_relation(schema, identifier=none) -%}
    {%- set database = none if target.type == 'spark' else target.database -%}
    {{ return(api.Relation.create(database=database, schema=schema, identifier=identifier)) }}
{%- endmacro %}

{% macro build_state_relation() -%}
    {{ return(project_relation('meta', 'incremental_build_state')) }}
{%- endmacro %}

{#- raw.load_changes: ingestion writes one row per load that accepted or changed rows an incremental
    model reads, with the first month those rows belong to (orchestration/lib/ingest.py). -#}
{% macro load_changes_relation() -%}
    {{ return(project_relation('raw', 'load_changes')) }}
{%- endmacro %}

{#- Created before the models run (on-run-start), so the incremental models' SQL can read them; ingestion
    creates raw.load_changes with the same columns, this only stands in where no load has run yet. -#}
{% macro create_build_state() -%}
    {%- do adapter.create_schema(project_relation('meta')) -%}
    {%- do adapter.create_schema(project_relation('raw')) -%}
    {%- set create_state -%}
    create table if not exists {{ build_state_relation() }} (
        model_name varchar(200),
        fingerprint varchar(64),
        as_of_date date,
        absorbed_load_seq bigint,
        built_at timestamp
    )
    {%- endset -%}
    {%- set create_changes -%}
    create table if not exists {{ load_changes_relation() }} (
        load_seq bigint,
        table_name varchar(100),
        affected_from date,
        recorded_at timestamp
    )
    {%- endset -%}
    {{- hook_statements([create_state, create_changes]) -}}
{%- endmacro %}

{#- Several statements as one hook: DuckDB and PostgreSQL take them joined by semicolons; Spark runs one
    statement per call, so there the hook runs all but the last itself (at execution only) and hands dbt
    the last. -#}
{% macro hook_statements(statements) -%}
    {{- return(adapter.dispatch('hook_statements', 'branch_retention')(statements)) -}}
{%- endmacro %}

{% macro default__hook_statements(statements) -%}
    {{- return(statements | join(';\n')) -}}
{%- endmacro %}

{% macro spark__hook_statements(statements) -%}
    {%- for statement in statements[:-1] -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{- return(statements[-1]) -}}
{%- endmacro %}

{#- The statement that removes a model's earlier build-state rows before the new one is inserted, or none.
    DuckDB and PostgreSQL delete them (one row per model); Spark's Parquet tables have no delete, so there
    the log is insert-only and readers take each model's latest row (by built_at). -#}
{% macro forget_build_state(model_name) -%}
    {{- return(adapter.dispatch('forget_build_state', 'branch_retention')(model_name)) -}}
{%- endmacro %}

{% macro default__forget_build_state(model_name) -%}
    {{- return("delete from " ~ build_state_relation() ~ " where model_name = '" ~ model_name ~ "'") -}}
{%- endmacro %}

{% macro spark__forget_build_state(model_name) -%}
    {{- return(none) -}}
{%- endmacro %}

{#- The vars a piece of code reads: var('name' ...) calls. -#}
{% macro _vars_read(code, into) -%}
    {%- for name in modules.re.findall("var\(\s*['\"]([A-Za-z0-9_]+)['\"]", code or '') -%}
        {%- if name not in into -%}{%- do into.append(name) -%}{%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The project macros a piece of code calls, by name wherever the call stands (dbt's depends_on lists only
    the macros a parse-time render reached, not those in an is_incremental() branch). -#}
{% macro _macros_called(code, into) -%}
    {%- for name in modules.re.findall("([A-Za-z_][A-Za-z0-9_]*)\s*\(", code or '') | unique -%}
        {%- if name not in into and name in context and context[name].macro is defined
            and context[name].macro.package_name == project_name -%}
            {%- do into.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The fingerprint of a node (see the header), as an md5 hex string. -#}
{% macro build_fingerprint(node_id) -%}
    {%- set macros = [] -%}
    {%- set var_names = [] -%}
    {%- set parts = {'dbt_version': dbt_version, 'nodes': {}, 'macros': {}, 'vars': {}} -%}
    {%- for id in build_state_upstream(node_id) -%}
        {%- set node = graph.nodes[id] -%}
        {%- do parts['nodes'].update({id: node.checksum.checksum}) -%}
        {%- do _vars_read(node.raw_code, var_names) -%}
        {%- do _macros_called(node.raw_code, macros) -%}
    {%- endfor -%}
    {#- the list grows while the loop reads it: the macros those macros call -#}
    {%- for name in macros -%}
        {%- set sql = context[name].macro.macro_sql -%}
        {%- do parts['macros'].update({name: local_md5(sql)}) -%}
        {%- do _vars_read(sql, var_names) -%}
        {%- do _macros_called(sql, macros) -%}
    {%- endfor -%}
    {%- for name in var_names | sort -%}
        {%- if name not in ['as_of_date', 'refresh_from_month', 'refresh_to_month'] -%}
            {%- do parts['vars'].update({name: var(name, none)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(local_md5(tojson(parts))) -}}
{%- endmacro %}

{#- The as-of date the months of this run describe, for a model that reads int_months; else none. -#}
{% macro _built_as_of_date() -%}
    {%- set months_id = 'model.' ~ project_name ~ '.int_months' -%}
    {%- if months_id not in build_state_upstream(model.unique_id) -%}{{ return(none) }}{%- endif -%}
    {%- set months = graph.nodes[months_id] -%}
    {%- set relation = api.Relation.create(database=months.database, schema=months.schema, identifier=months.alias) -%}
    {{- return("(select max(as_of_date) from " ~ relation ~ ")") -}}
{%- endmacro %}

{#- Every node id upstream of a node (itself included). -#}
{% macro build_state_upstream(node_id) -%}
    {%- set nodes = [node_id] -%}
    {%- for id in nodes -%}
        {%- for parent in graph.nodes[id].depends_on.nodes -%}
            {%- if parent in graph.nodes and parent not in nodes -%}{%- do nodes.append(parent) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(nodes) -}}
{%- endmacro %}

{#- Post-hook of every model (dbt_project.yml): records an incremental model's build state. -#}
{% macro record_build_state() -%}
    {%- if execute and model.resource_type == 'model' and model.config.materialized == 'incremental' -%}
        {%- set as_of = _built_as_of_date() -%}
        {%- set insert -%}
        insert into {{ build_state_relation() }} (model_name, fingerprint, as_of_date, absorbed_load_seq, built_at)
        select
            '{{ model.name }}',
            '{{ build_fingerprint(model.unique_id) }}',
            {{ as_of if as_of else 'cast(null as date)' }},
            (select coalesce(max(load_seq), 0) from {{ load_changes_relation() }}),
            {{ dbt.current_timestamp() }}
        {%- endset -%}
        {%- set forget = forget_build_state(model.name) -%}
        {{- hook_statements(([forget] if forget else []) + [insert]) -}}
    {%- endif -%}
{%- endmacro %}

{#- Why this incremental model must be rebuilt from scratch, or none. -#}
{% macro incremental_rebuild_reason() -%}
    {%- set state = run_query("select fingerprint, as_of_date from " ~ build_state_relation()
        ~ " where model_name = '" ~ model.name ~ "' order by built_at desc limit 1") -%}
    {%- if state.rows | length == 0 -%}
        {{- return('no build state is recorded for it') -}}
    {%- endif -%}
    {%- if state.rows[0][0] != build_fingerprint(model.unique_id) -%}
        {{- return('its code, a seed or a var it reads changed since it was built') -}}
    {%- endif -%}
    {%- set as_of = _built_as_of_date() -%}
    {%- if as_of and state.rows[0][1] is not none -%}
        {%- set now_as_of = run_query("select " ~ as_of).rows[0][0] -%}
        {%- if now_as_of is not none and now_as_of < state.rows[0][1] -%}
            {{- return('the as-of date moved back from ' ~ state.rows[0][1] ~ ' to ' ~ now_as_of) -}}
        {%- endif -%}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}

{#- dbt's should_full_refresh (--full-refresh, or the model's full_refresh config), and also whenever the
    incremental model's build state says its kept rows may be stale. -#}
{% macro should_full_refresh() -%}
    {%- set config_full_refresh = config.get('full_refresh') -%}
    {%- if config_full_refresh is none -%}{%- set config_full_refresh = flags.FULL_REFRESH -%}{%- endif -%}
    {%- if config_full_refresh or not execute or model.resource_type != 'model'
        or model.config.materialized != 'incremental' -%}
        {{- return(config_full_refresh) -}}
    {%- endif -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is none -%}{{- return(false) -}}{%- endif -%}
    {#- dbt asks several times per model: the answer is worked out once a run (graph lives for the run) -#}
    {%- if '_build_state_answers' not in graph -%}{%- do graph.update({'_build_state_answers': {}}) -%}{%- endif -%}
    {%- set answers = graph['_build_state_answers'] -%}
    {%- if model.unique_id not in answers -%}
        {%- set reason = incremental_rebuild_reason() -%}
        {%- if reason -%}
            {%- do log('Rebuilding ' ~ model.name ~ ' from scratch: ' ~ reason ~ '.', info=true) -%}
        {%- endif -%}
        {%- do answers.update({model.unique_id: reason is not none}) -%}
    {%- endif -%}
    {{- return(answers[model.unique_id]) -}}
{%- endmacro %}
