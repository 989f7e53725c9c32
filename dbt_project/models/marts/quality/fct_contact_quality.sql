{#- Who can be reached (docs/rules.md sections 1 and 8: customers who never left contact details drift away
    unseen). One row per branch and per responsible staff member in the as-of month, plus one row per
    branch for all its customers (staff_id null, level 'branch'): customers with money, how many have a
    usable mobile phone, the share, and the AUM held by customers nobody can call. -#}
with customers as (
    select * from {{ ref('dim_customers') }}
    where monthly_avg_aum > 0
),

current_assignments as (
    select customer_id, staff_id
    from {{ ref('int_customer_assignments') }}
    where month_start = (select max(month_start) from {{ ref('int_customer_assignments') }})
),

joined as (
    select customers.*, current_assignments.staff_id
    from customers
    left join current_assignments on customers.customer_id = current_assignments.customer_id
),

-- every customer counts once for their branch and once for their responsible staff member
levels as (
    select 'branch' as level, home_branch_id as branch_id, cast(null as {{ dbt.type_string() }}) as staff_id,
        has_usable_phone, has_mobile_phone, monthly_avg_aum
    from joined
    union all
    select 'staff' as level, home_branch_id as branch_id, staff_id, has_usable_phone, has_mobile_phone, monthly_avg_aum
    from joined
    where staff_id is not null
),

unioned as (
    select
        level,
        branch_id,
        staff_id,
        count(*) as customers_with_assets,
        sum(case when has_usable_phone then 1 else 0 end) as customers_with_usable_phone,
        sum(case when has_mobile_phone and not has_usable_phone then 1 else 0 end) as customers_with_malformed_phone,
        sum(case when not has_mobile_phone then 1 else 0 end) as customers_without_phone,
        sum(monthly_avg_aum) as monthly_avg_aum,
        sum(case when has_usable_phone then 0 else monthly_avg_aum end) as monthly_avg_aum_unreachable
    from levels
    group by level, branch_id, staff_id
)

select
    level,
    branch_id,
    staff_id,
    customers_with_assets,
    customers_with_usable_phone,
    customers_with_malformed_phone,
    customers_without_phone,
    cast(customers_with_usable_phone as {{ type_double() }}) / customers_with_assets as usable_phone_share,
    {{ money('monthly_avg_aum') }} as monthly_avg_aum,
    {{ money('monthly_avg_aum_unreachable') }} as monthly_avg_aum_unreachable
from unioned
