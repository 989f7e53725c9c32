{#- Prevention calls (docs/rules.md section 10) read the early warning's scores, which are built on DuckDB only
    for now (dbt_project.yml: models/intermediate/risk and models/marts/risk are enabled when target.type is
    duckdb; the risk/model asset skips on other engines). Keep this condition the same as that one. It is known
    when dbt parses the project, so on other engines the ref below is never made (a ref to a disabled model
    would stop the parse) and the staffing models do not depend on the risk models there. -#}
{% macro risk_models_enabled() -%}
    {{ return(target.type == 'duckdb') }}
{%- endmacro %}

{#- The customer-months of fct_customer_risk_months a prevention call reads, or, where the risk models are
    disabled, an empty relation with the same columns and types: prevention calls are then simply none. -#}
{% macro customer_risk_months() -%}
    {%- if risk_models_enabled() %}
    select
        customer_id,
        month_start,
        churn_risk_score,
        expected_loss,
        risk_reason_codes,
        risk_reasons,
        recommended_action,
        is_retention_candidate,
        next_maturity_date,
        is_outcome_known,
        churned_within_horizon
    from {{ ref('fct_customer_risk_months') }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as date) as month_start,
        cast(null as decimal(9, 6)) as churn_risk_score,
        cast(null as decimal(18, 2)) as expected_loss,
        cast(null as {{ dbt.type_string() }}) as risk_reason_codes,
        cast(null as {{ dbt.type_string() }}) as risk_reasons,
        cast(null as {{ dbt.type_string() }}) as recommended_action,
        cast(null as boolean) as is_retention_candidate,
        cast(null as date) as next_maturity_date,
        cast(null as boolean) as is_outcome_known,
        cast(null as integer) as churned_within_horizon
    where 1 = 0
    {%- endif %}
{%- endmacro %}

{#- True for a churn event that gets a rescue call in the month `month_start` (the rule of int_planned_contacts:
    not kept off retention, first month at most var churn_rescue_lookback_months before the month). Shared with
    the prevention capacity, which is what the month holds after those rescue calls. -#}
{% macro is_churn_rescue_event(events, month_start) -%}
    not {{ events }}.exclude_from_retention
    and {{ events }}.event_month < {{ month_start }}
    and {{ events }}.event_month >= cast({{ dbt.dateadd('month', -var('churn_rescue_lookback_months'), month_start) }} as date)
{%- endmacro %}

{#- The prevention columns of a planned contact that is not a prevention call (int_planned_contacts). -#}
{% macro no_risk_columns() -%}
    cast(null as decimal(18, 2)) as expected_loss,
        cast(null as {{ dbt.type_string() }}) as risk_reason_codes,
        cast(null as {{ dbt.type_string() }}) as risk_reasons,
        cast(null as {{ dbt.type_string() }}) as suggested_action
{%- endmacro %}
