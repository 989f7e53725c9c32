{#- The customer-months of the early warning a prevention call reads (int_customer_risk_scores). -#}
{% macro customer_risk_months() -%}
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
    from {{ ref('int_customer_risk_scores') }}
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
