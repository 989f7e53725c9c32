{#- The early-warning signs: the f_* columns of int_customer_risk_features, one row each in seeds
    risk_rule_weights and risk_reasons. Add a sign in all four places. -#}
{% macro risk_features() -%}
    {{ return(['f_maturity_after_leak', 'f_maturity_ahead', 'f_balance_falling', 'f_activity_falling',
               'f_salary_stopped', 'f_no_contact', 'f_open_complaint', 'f_withdrawal_registration',
               'f_moving_out', 'f_long_no_contact', 'f_recent_complaint', 'f_at_tier_floor', 'f_near_tier_floor']) }}
{%- endmacro %}

{#- The relation the risk/model asset wrote (source risk.<table>), or none before its first run (a dbt-only
    build): the caller falls back to the seed's rule weights. The source() call is made either way, so dbt
    and Dagster know the dependency. -#}
{% macro risk_source_relation(table) -%}
    {%- set declared = source('risk', table) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {{ return(adapter.get_relation(database=declared.database, schema=declared.schema, identifier=declared.identifier)) }}
{%- endmacro %}
