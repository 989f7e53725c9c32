{#- The early-warning back-test (DOMAIN section 10), as the risk/model asset measured it on the months held out
    in time (risk.risk_model_evaluation): one row per metric, churn type ('all' or one type) and score decile
    (calibration only). Empty before that asset's first run. -#}
{%- set evaluation = risk_source_relation('risk_model_evaluation') %}

{%- if evaluation is not none %}
select
    metric,
    churn_type,
    cast(score_decile as integer) as score_decile,
    cast(value as {{ type_double() }}) as value,
    cast(n_rows as bigint) as n_rows,
    cast(n_events as bigint) as n_events,
    note,
    method,
    cast(train_from as date) as train_from,
    cast(train_to as date) as train_to,
    cast(holdout_from as date) as holdout_from,
    cast(holdout_to as date) as holdout_to
from {{ evaluation }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as metric,
    cast(null as {{ dbt.type_string() }}) as churn_type,
    cast(null as integer) as score_decile,
    cast(null as {{ type_double() }}) as value,
    cast(null as bigint) as n_rows,
    cast(null as bigint) as n_events,
    cast(null as {{ dbt.type_string() }}) as note,
    cast(null as {{ dbt.type_string() }}) as method,
    cast(null as date) as train_from,
    cast(null as date) as train_to,
    cast(null as date) as holdout_from,
    cast(null as date) as holdout_to
where 1 = 0
{%- endif %}
