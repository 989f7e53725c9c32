{#- Early warning 流失预警 (DOMAIN section 10), what BI tools and the morning page read: one row per funded
    customer-month with the churn-risk score, its reasons strongest first, the money at risk, the likely churn
    type and its action. Computed in int_customer_risk_scores (the prevention calls read the same rows). -#}
select * from {{ ref('int_customer_risk_scores') }}
