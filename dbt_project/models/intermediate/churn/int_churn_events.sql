{#- One row per churn event (docs/rules.md section 5): who, when, tiers and AUM before and after, the amount
    lost, every churn-type signal that matched (one column each, from the int_churn_signals_<type> models)
    with its evidence, the primary type by the precedence in the churn_types seed, and the action to take.
    What the marts and the staffing models read; fct_churn_events is its published copy. -#}
with windows as (
    select * from {{ ref('int_churn_event_windows') }}
),

outflow_totals as (
    select
        churn_event_id,
        sum(amount) as outflow_in_window,
        sum(case when is_other_bank then amount else 0 end) as outflow_other_bank_in_window
    from {{ ref('int_churn_window_outflows') }}
    group by churn_event_id
),

type_summary as (
    select
        churn_event_id,
        {{ ordered_list('churn_type', 'precedence') }} as matched_churn_types,
        count(*) as n_matched_types,
        max(case when type_rank = 1 then churn_type end) as primary_type
    from {{ ref('int_churn_type_matches') }}
    group by churn_event_id
)

select
    -- ids
    windows.churn_event_id,
    windows.customer_id,
    windows.home_branch_id,
    -- when
    windows.event_month,
    windows.last_month,
    windows.n_months,
    windows.window_start,
    windows.window_end,
    -- why the months qualified
    windows.qualified_by_tier_drop,
    windows.qualified_by_aum_fall,
    windows.qualified_by_account_closure,
    -- before and after, CNY
    windows.tier_before,
    windows.tier_after,
    windows.month_end_aum_before,
    windows.month_end_aum_after,
    windows.monthly_avg_aum_before,
    windows.monthly_avg_aum_after,
    {{ money('greatest(windows.month_end_aum_before - windows.month_end_aum_after, 0)') }} as amount_lost,
    {{ money('coalesce(outflow_totals.outflow_in_window, 0)') }} as outflow_in_window,
    {{ money('coalesce(outflow_totals.outflow_other_bank_in_window, 0)') }} as outflow_other_bank_in_window,
    -- the type: primary by precedence, and every type that matched
    coalesce(type_summary.primary_type, 'unclassified') as churn_type,
    coalesce(type_summary.matched_churn_types, '') as matched_churn_types,
    coalesce(type_summary.n_matched_types, 0) as n_matched_types,
    -- signals, one column each
    special.signal_special,
    consumption.signal_consumption,
    product.signal_product,
    service.signal_service_complaint,
    service.signal_service_no_contact,
    -- whether the evidence the service signals read was delivered (not_delivered: the signal is unknown)
    service.contact_evidence,
    service.complaint_evidence,
    consumption.signal_stated_consumption_purpose,
    consumption.signal_stated_purpose_mismatch,
    -- evidence
    product.product_txn_ids,
    product.product_maturity_dates,
    product.product_counterparties,
    {{ money('product.product_outflow') }} as product_outflow,
    product.product_earlier_maturities_left,
    service.complaint_ids,
    service.last_successful_contact_date,
    service.days_since_last_successful_contact,
    consumption.consumption_txn_ids,
    consumption.consumption_categories,
    consumption.consumption_counterparties,
    {{ money('consumption.consumption_outflow') }} as consumption_outflow,
    consumption.registration_ids,
    consumption.stated_purposes,
    special.special_inflow_txn_ids,
    special.special_outflow_txn_ids,
    special.special_assessment_date,
    special.special_parked_amount,
    special.special_month_end_to_average,
    -- what to do
    churn_types.recommended_action,
    churn_types.exclude_from_retention
from windows
inner join {{ ref('int_churn_signals_product') }} as product on windows.churn_event_id = product.churn_event_id
inner join {{ ref('int_churn_signals_service') }} as service on windows.churn_event_id = service.churn_event_id
inner join {{ ref('int_churn_signals_consumption') }} as consumption on windows.churn_event_id = consumption.churn_event_id
inner join {{ ref('int_churn_signals_special') }} as special on windows.churn_event_id = special.churn_event_id
left join outflow_totals on windows.churn_event_id = outflow_totals.churn_event_id
left join type_summary on windows.churn_event_id = type_summary.churn_event_id
inner join {{ ref('churn_types') }} as churn_types
    on coalesce(type_summary.primary_type, 'unclassified') = churn_types.churn_type
