{#- One row per branch: its name and city, and in the as-of month how many staff serve customers and how
    many customers call it home. -#}
with branches as (
    select * from {{ ref('stg_bank__branches') }}
),

as_of_month as (
    select max(month_start) as month_start
    from {{ ref('int_months') }}
    where not is_baseline
),

staff_now as (
    select staff_months.branch_id, count(*) as n_serving_staff
    from {{ ref('int_staff_months') }} as staff_months
    inner join as_of_month on staff_months.month_start = as_of_month.month_start
    group by staff_months.branch_id
),

customers_now as (
    select customer_months.home_branch_id as branch_id, count(*) as n_customers
    from {{ ref('int_customer_months') }} as customer_months
    inner join as_of_month on customer_months.month_start = as_of_month.month_start
    group by customer_months.home_branch_id
),

final as (
    select
        -- ids
        branches.branch_id,
        -- descriptions
        branches.branch_name,
        branches.city,
        -- the as-of month
        coalesce(staff_now.n_serving_staff, 0) as n_serving_staff,
        coalesce(staff_now.n_serving_staff, 0) > 0 as has_staff_at_as_of,
        coalesce(customers_now.n_customers, 0) as n_customers,
        -- dates
        branches.opened_date
    from branches
    left join staff_now on branches.branch_id = staff_now.branch_id
    left join customers_now on branches.branch_id = customers_now.branch_id
)

select * from final
