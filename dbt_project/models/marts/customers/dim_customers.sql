{#- One row per customer: who they are (masked), where they bank, and whether staff can reach them. -#}
with customers as (
    select * from {{ ref('stg_bank__customers') }}
),

branches as (
    select * from {{ ref('stg_bank__branches') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('int_months') }}
),

-- accounts opened after the as-of date are not part of this as-of's picture (docs/rules.md section 3)
accounts as (
    select accounts.*
    from {{ ref('stg_bank__accounts') }} as accounts
    cross join as_of
    where accounts.opened_date <= as_of.as_of_date
),

current_month as (
    -- the customer's row for the as-of month
    select * from {{ ref('int_customer_months') }}
    where month_start = (select max(month_start) from {{ ref('int_customer_months') }})
),

account_summary as (
    select
        customer_id,
        count(*) as n_accounts,
        sum(case when closed_date is null or closed_date > as_of.as_of_date then 1 else 0 end) as n_open_accounts,
        sum(case when (closed_date is null or closed_date > as_of.as_of_date) and is_aum then 1 else 0 end)
            as n_open_aum_accounts,
        min(opened_date) as first_account_opened_date
    from accounts
    cross join as_of
    group by customer_id
),

final as (
    select
        -- ids
        customers.customer_id,
        customers.home_branch_id,
        branches.branch_name as home_branch_name,
        customers.relationship_manager_id,
        -- personal data, masked: BI tools read this table
        {{ mask_name('customers.customer_name') }} as customer_name_masked,
        {{ mask_id_number('customers.id_number') }} as id_number_masked,
        {{ mask_phone('customers.mobile_phone') }} as mobile_phone_masked,
        -- profile
        customers.gender,
        {{ typed(dbt.date_trunc('year', 'customers.birth_date'), 'timestamp') }} as birth_year_start,
        -- contact completeness (docs/rules.md section 1: customers nobody can reach)
        customers.has_usable_phone,
        customers.mobile_phone_raw is not null as has_mobile_phone,
        customers.landline_phone is not null as has_landline_phone,
        customers.email is not null as has_email,
        customers.address is not null as has_address,
        -- relationship
        coalesce(account_summary.n_accounts, 0) as n_accounts,
        coalesce(account_summary.n_open_accounts, 0) as n_open_accounts,
        coalesce(account_summary.n_open_aum_accounts, 0) as n_open_aum_accounts,
        account_summary.customer_id is null as is_prospect,
        -- false: onboarded after the as-of date, not yet a customer in this picture
        customers.onboarded_date <= as_of.as_of_date as is_customer_at_as_of,
        -- tiers in the as-of month (docs/rules.md section 3)
        coalesce(current_month.measured_tier, 'none') as measured_tier,
        coalesce(current_month.service_tier, 'none') as service_tier,
        coalesce(current_month.is_on_watch, false) as is_on_watch,
        {{ typed('coalesce(current_month.monthly_avg_aum, 0)', 'decimal(18, 2)') }} as monthly_avg_aum,
        {{ typed('coalesce(current_month.month_end_aum, 0)', 'decimal(18, 2)') }} as month_end_aum,
        -- dates
        customers.onboarded_date,
        account_summary.first_account_opened_date
    from customers
    cross join as_of
    left join branches on customers.home_branch_id = branches.branch_id
    left join account_summary on customers.customer_id = account_summary.customer_id
    left join current_month on customers.customer_id = current_month.customer_id
)

select * from final
