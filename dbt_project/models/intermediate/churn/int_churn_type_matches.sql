{#- One row per churn event per churn type whose signals matched, with the type's precedence from the
    churn_types seed and its rank (1 = the primary type). Each family's verdict is the column signal_<type>
    of int_churn_signals_<type>; a new churn type is a seed row, a signals model and its name here
    (tests/test_vocabulary.py checks the three agree). -#}
{%- set families = ['special', 'consumption', 'product', 'service'] %}

with matched_types as (
    {%- for family in families %}
    select churn_event_id, '{{ family }}' as churn_type
    from {{ ref('int_churn_signals_' ~ family) }}
    where signal_{{ family }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    matched_types.churn_event_id,
    matched_types.churn_type,
    churn_types.precedence,
    row_number() over (partition by matched_types.churn_event_id order by churn_types.precedence) as type_rank
from matched_types
inner join {{ ref('churn_types') }} as churn_types on matched_types.churn_type = churn_types.churn_type
