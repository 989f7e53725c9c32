{#- One row per staff member, those who left included: masked name, role (with its Chinese name), branch,
    and the daily call capacity in the as-of month (null when they do not serve customers that month). -#}
with staff as (
    select * from {{ ref('stg_bank__staff') }}
),

branches as (
    select * from {{ ref('stg_bank__branches') }}
),

as_of_month as (
    select max(month_start) as month_start, max(as_of_date) as as_of_date
    from {{ ref('int_months') }}
    where not is_baseline
),

-- int_staff_months already applies the role's default capacity and the staff row's override
serving as (
    select staff_months.*
    from {{ ref('int_staff_months') }} as staff_months
    inner join as_of_month on staff_months.month_start = as_of_month.month_start
),

final as (
    select
        -- ids
        staff.staff_id,
        staff.branch_id,
        branches.branch_name,
        -- personal data, masked: BI tools and the morning page read this table
        {{ mask_name('staff.staff_name') }} as staff_name_masked,
        -- role
        staff.role,
        case staff.role
            when 'private_banker' then '私人银行家'
            when 'wealth_manager' then '理财经理'
            when 'lobby_manager' then '大堂经理'
            when 'teller' then '柜员'
        end as role_name_zh,
        serving.role_rank,
        -- capacity in the as-of month
        serving.staff_id is not null as is_serving_at_as_of,
        serving.daily_capacity,
        -- dates
        staff.hired_date,
        staff.left_date
    from staff
    cross join as_of_month
    left join branches on staff.branch_id = branches.branch_id
    left join serving on staff.staff_id = serving.staff_id
)

select * from final
