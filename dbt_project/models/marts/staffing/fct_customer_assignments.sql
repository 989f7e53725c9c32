{#- One row per customer per month with a service tier: the one responsible staff member and why
    (docs/rules.md section 6). What BI tools read; the month-by-month logic lives in int_customer_assignments. -#}
select * from {{ ref('int_customer_assignments') }}
