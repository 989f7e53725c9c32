{#- One row per branch per month: inflow vs outflow (进水量/出水量), deposits and the deposit deviation
    (存款偏离度) with the special (intermediary) customers whose parked money stood there at the month
    end, customers per tier and how many came and went.
    Money is booked to the account's branch; customers count at their home branch. -#}
with branches as (
    select * from {{ ref('stg_bank__branches') }}
),

months as (
    select * from {{ ref('int_months') }}
    where not is_baseline
),

balances as (
    select
        branch_id,
        month_start,
        -- balances at no less than zero per account: an overdraft is debt, reported on its own
        sum(case when is_deposit then avg_asset_balance_cny else 0 end) as monthly_avg_deposit,
        sum(case when is_deposit then month_end_asset_balance_cny else 0 end) as month_end_deposit,
        sum(case when is_aum then avg_asset_balance_cny else 0 end) as monthly_avg_aum,
        sum(case when is_aum then month_end_asset_balance_cny else 0 end) as month_end_aum,
        sum(case when is_aum then avg_overdraft_cny else 0 end) as monthly_avg_overdraft,
        sum(case when is_aum then month_end_overdraft_cny else 0 end) as month_end_overdraft
    from {{ ref('int_account_months') }}
    group by branch_id, month_start
),

flows as (
    select
        branch_id,
        month_start,
        sum(inflow) as inflow,
        sum(outflow) as outflow,
        sum(inflow_other_bank) as inflow_other_bank,
        sum(outflow_other_bank) as outflow_other_bank
    from {{ ref('int_customer_month_flows') }}
    group by branch_id, month_start
),

customers as (
    select
        home_branch_id as branch_id,
        month_start,
        {%- for tier in tier_names() %}
        sum(case when measured_tier = '{{ tier }}' then 1 else 0 end) as n_customers_{{ tier }},
        {%- endfor %}
        sum(case when measured_tier <> 'none' then 1 else 0 end) as n_customers_with_assets,
        sum(case when tier_movement = 'new' then 1 else 0 end) as n_new_customers,
        sum(case when tier_movement = 'lost' then 1 else 0 end) as n_lost_customers,
        sum(case when tier_movement = 'upgrade' then 1 else 0 end) as n_upgrades,
        sum(case when tier_movement = 'downgrade' then 1 else 0 end) as n_downgrades,
        sum(case when is_on_watch then 1 else 0 end) as n_on_watch
    from {{ ref('int_customer_months') }}
    group by home_branch_id, month_start
),

-- staff who can serve customers that month: none means nobody can be assigned or called (a bank that
-- delivered no staff shows every branch so)
staffed as (
    select branch_id, month_start, count(*) as n_staff
    from {{ ref('int_staff_months') }}
    group by branch_id, month_start
),

-- 特殊导向型 money parked over the month end: what pushes a deviation over the cap (docs/rules.md section 7)
parked as (
    select
        home_branch_id as branch_id,
        cast({{ dbt.date_trunc('month', 'special_assessment_date') }} as date) as month_start,
        count(distinct customer_id) as n_special_customers,
        sum(special_parked_amount) as special_parked_amount,
        {{ sorted_list('customer_id') }} as special_customer_ids
    from {{ ref('int_churn_events') }}
    where signal_special
    group by home_branch_id, cast({{ dbt.date_trunc('month', 'special_assessment_date') }} as date)
),

final as (
    select
        -- ids
        branches.branch_id,
        branches.branch_name,
        months.month_start,
        -- flows (进水量/出水量), CNY
        {{ money('coalesce(flows.inflow, 0)') }} as inflow,
        {{ money('coalesce(flows.outflow, 0)') }} as outflow,
        {{ money('coalesce(flows.inflow, 0) - coalesce(flows.outflow, 0)') }} as net_flow,
        {{ money('coalesce(flows.inflow_other_bank, 0)') }} as inflow_other_bank,
        {{ money('coalesce(flows.outflow_other_bank, 0)') }} as outflow_other_bank,
        -- balances, CNY
        {{ money('coalesce(balances.monthly_avg_deposit, 0)') }} as monthly_avg_deposit,
        {{ money('coalesce(balances.month_end_deposit, 0)') }} as month_end_deposit,
        {{ money('coalesce(balances.monthly_avg_aum, 0)') }} as monthly_avg_aum,
        {{ money('coalesce(balances.month_end_aum, 0)') }} as month_end_aum,
        {{ money('coalesce(balances.monthly_avg_overdraft, 0)') }} as monthly_avg_overdraft,
        {{ money('coalesce(balances.month_end_overdraft, 0)') }} as month_end_overdraft,
        -- 存款偏离度: how far the month-end deposit stands above the month's daily average, from the
        -- amounts rounded to the fen, so a rebuild gives the same figure to the last digit
        case when {{ money('balances.monthly_avg_deposit') }} > 0
            then cast({{ money('balances.month_end_deposit') }} - {{ money('balances.monthly_avg_deposit') }} as {{ type_double() }})
                / cast({{ money('balances.monthly_avg_deposit') }} as {{ type_double() }})
        end as deposit_deviation,
        coalesce(
            {{ money('balances.month_end_deposit') }} - {{ money('balances.monthly_avg_deposit') }}
            > {{ var('deposit_deviation_cap') }} * {{ money('balances.monthly_avg_deposit') }}
            and {{ money('balances.monthly_avg_deposit') }} > 0,
            false
        ) as is_deposit_deviation_over_cap,
        -- intermediary (special) customers whose parked money stood in the branch at this month end
        coalesce(parked.n_special_customers, 0) as n_special_customers,
        {{ money('coalesce(parked.special_parked_amount, 0)') }} as special_parked_amount,
        parked.special_customer_ids,
        -- customers (home branch)
        {%- for tier in tier_names() %}
        coalesce(customers.n_customers_{{ tier }}, 0) as n_customers_{{ tier }},
        {%- endfor %}
        coalesce(customers.n_customers_with_assets, 0) as n_customers_with_assets,
        coalesce(customers.n_new_customers, 0) as n_new_customers,
        coalesce(customers.n_lost_customers, 0) as n_lost_customers,
        coalesce(customers.n_upgrades, 0) as n_upgrades,
        coalesce(customers.n_downgrades, 0) as n_downgrades,
        coalesce(customers.n_on_watch, 0) as n_on_watch,
        -- staff
        coalesce(staffed.n_staff, 0) as n_staff,
        staffed.n_staff is not null as has_staff
    from branches
    cross join months
    left join balances on branches.branch_id = balances.branch_id and months.month_start = balances.month_start
    left join flows on branches.branch_id = flows.branch_id and months.month_start = flows.month_start
    left join customers on branches.branch_id = customers.branch_id and months.month_start = customers.month_start
    left join parked on branches.branch_id = parked.branch_id and months.month_start = parked.month_start
    left join staffed on branches.branch_id = staffed.branch_id and months.month_start = staffed.month_start
)

select * from final
