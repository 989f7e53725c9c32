{#- One row per churn event (docs/rules.md section 5): tiers and AUM before and after, the amount lost, every
    churn-type signal that matched with its evidence, the primary type and the action. What BI tools read;
    the logic lives in int_churn_events and the int_churn_signals_<type> models. -#}
select * from {{ ref('int_churn_events') }}
