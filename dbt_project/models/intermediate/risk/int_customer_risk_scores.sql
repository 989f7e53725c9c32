{#- Early warning 流失预警 (DOMAIN section 10): one row per funded customer-month, history included so it can be
    back-tested; computed here once for the mart fct_customer_risk_months and the prevention calls
    (int_prevention_contacts). churn_risk_score is the probability that a qualifying churn event (any type but
    special) starts in the next risk_horizon_months months: the logistic of the intercept plus the weights of the
    signs present, the weights fitted by the risk/model asset (risk.risk_model_coefficients, method 'fitted') or,
    when it has not run or had too few events to learn from, the seed's rule weights ('rule_weights'). -#}
{%- set coefficients = risk_source_relation('risk_model_coefficients') %}

with features as (
    select * from {{ ref('int_customer_risk_features') }}
),

rule_weights as (
    select feature, coefficient from {{ ref('risk_rule_weights') }}
),

weights as (
    {%- if coefficients is not none %}
    select feature, coefficient, intercept, method from {{ coefficients }}
    {%- else %}
    select
        rule_weights.feature,
        rule_weights.coefficient,
        intercepts.coefficient as intercept,
        'rule_weights' as method
    from rule_weights
    cross join (select coefficient from rule_weights where feature = 'intercept') as intercepts
    where rule_weights.feature <> 'intercept'
    {%- endif %}
),

model as (
    select max(intercept) as intercept, max(method) as method from weights
),

reasons as (
    select * from {{ ref('risk_reasons') }}
),

churn_types as (
    select * from {{ ref('churn_types') }}
),

-- one row per customer-month per sign present
signs as (
    {%- for feature in risk_features() %}
    select customer_id, month_start, '{{ feature }}' as feature from features where {{ feature }} = 1
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

contributions as (
    select
        signs.customer_id,
        signs.month_start,
        signs.feature,
        weights.coefficient,
        reasons.reason_code,
        reasons.reason,
        reasons.likely_churn_type,
        -- strongest first; ties by reason code, so the same input gives the same order
        row_number() over (
            partition by signs.customer_id, signs.month_start
            order by weights.coefficient desc, reasons.reason_code
        ) as reason_rank
    from signs
    inner join weights on signs.feature = weights.feature
    inner join reasons on signs.feature = reasons.feature
),

linear as (
    select customer_id, month_start, sum(coefficient) as weight_sum
    from contributions
    group by customer_id, month_start
),

-- the reasons staff read: the signs that raise the risk (a positive weight), strongest first
reason_lists as (
    select
        customer_id,
        month_start,
        {{ ordered_list('reason_code', 'reason_rank') }} as risk_reason_codes,
        {{ ordered_list('reason', 'reason_rank', "'; '") }} as risk_reasons,
        count(*) as n_risk_reasons,
        max(case when reason_rank = 1 then likely_churn_type end) as top_reason_churn_type
    from contributions
    where coefficient > 0
    group by customer_id, month_start
),

scored as (
    select
        features.*,
        model.method as scoring_method,
        model.intercept + coalesce(linear.weight_sum, 0) as risk_log_odds,
        reason_lists.risk_reason_codes,
        reason_lists.risk_reasons,
        coalesce(reason_lists.n_risk_reasons, 0) as n_risk_reasons,
        case when features.is_special_customer then 'special'
            else coalesce(reason_lists.top_reason_churn_type, 'unclassified') end as likely_churn_type
    from features
    cross join model
    left join linear on features.customer_id = linear.customer_id and features.month_start = linear.month_start
    left join reason_lists
        on features.customer_id = reason_lists.customer_id and features.month_start = reason_lists.month_start
),

final as (
    select
        -- ids
        scored.customer_id,
        scored.home_branch_id,
        scored.month_start,
        scored.period_end,
        scored.measured_tier,
        scored.service_tier,
        -- the score
        cast(round(cast(1.0 / (1.0 + exp(-scored.risk_log_odds)) as decimal(38, 10)), 6) as decimal(9, 6)) as churn_risk_score,
        scored.scoring_method,
        scored.risk_reason_codes,
        scored.risk_reasons,
        scored.n_risk_reasons,
        -- the money, CNY
        scored.monthly_avg_aum,
        scored.month_end_aum as aum_at_risk,
        {{ money('scored.month_end_aum / (1.0 + exp(-scored.risk_log_odds))') }} as expected_loss,
        -- what to do
        scored.likely_churn_type,
        churn_types.churn_type_zh as likely_churn_type_zh,
        churn_types.recommended_action,
        scored.is_special_customer,
        -- special-type (intermediary) customers are reported, never on a retention list
        not scored.is_special_customer and not coalesce(churn_types.exclude_from_retention, false) as is_retention_candidate,
        scored.next_maturity_date,
        -- the outcome, for the back-test (known only when the whole horizon lies inside the data)
        scored.is_outcome_known,
        scored.churned_within_horizon,
        scored.next_event_month,
        scored.next_event_churn_type
    from scored
    left join churn_types on scored.likely_churn_type = churn_types.churn_type
)

select * from final
