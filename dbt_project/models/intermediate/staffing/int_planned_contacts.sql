{#- One row per planned contact per month (the article's step 3): routine contacts by the tier's
    cadence (tier_roles.contacts_per_month; below one a month, e.g. mass's one a quarter, customers take
    turns by month), churn rescue for every non-special churn event of the previous months
    (var churn_rescue_lookback_months), prevention calls for the highest expected losses the capacity
    holds after rescue (int_prevention_contacts; none where the risk models are disabled), and maturity
    reminders 7-15 days before a time-deposit or wealth-product maturity (a maturity a prevention call is
    about gets that call instead, with the risk's reasons). Each has the earliest day to make it and the
    day it is due. Customers with a special (intermediary) churn event are left out: they are never chased. -#}
with assignments as (
    select * from {{ ref('int_assignment_months') }}
),

working_days as (
    select * from {{ ref('int_plan_working_days') }}
),

months as (
    select
        month_start,
        min(calendar_date) as first_day,
        max(calendar_date) as last_day,
        max(working_days_in_month) as working_days_in_month
    from working_days
    group by month_start
),

tier_roles as (
    select * from {{ ref('tier_roles') }}
),

prevention as (
    select * from {{ ref('int_prevention_contacts') }}
),

do_not_chase as (
    -- customers with a churn event of a type the churn_types seed excludes from retention (special)
    select distinct customer_id from {{ ref('int_churn_events') }} where exclude_from_retention
),

eligible as (
    select
        assignments.*,
        months.working_days_in_month,
        months.first_day,
        months.last_day,
        tier_roles.contacts_per_month,
        {{ month_diff("cast('2000-01-01' as date)", 'assignments.month_start') }} as month_number,
        -- customers take turns for cadences below one a month: a stable bucket per customer
        row_number() over (partition by assignments.month_start, assignments.home_branch_id
                           order by assignments.customer_id) as turn
    from assignments
    inner join months on assignments.month_start = months.month_start
    inner join tier_roles on assignments.service_tier = tier_roles.tier
    left join do_not_chase on assignments.customer_id = do_not_chase.customer_id
    where do_not_chase.customer_id is null
),

numbers as (
    {{ integer_series(31) }}
),

routine as (
    select
        eligible.month_start,
        eligible.customer_id,
        eligible.home_branch_id,
        eligible.staff_id,
        eligible.monthly_avg_aum,
        'routine' as contact_reason,
        4 as priority,
        {{ dbt.concat(["'routine-'", dbt.cast('numbers.generated_number', api.Column.translate_type('string'))]) }} as contact_reference,
        -- the k-th of n contacts a month is due at the end of the k-th n-th of the month's working days
        cast(floor((numbers.generated_number - 1) * eligible.working_days_in_month
            / greatest(round(eligible.contacts_per_month), 1)) + 1 as integer) as earliest_working_day,
        cast(ceiling(numbers.generated_number * eligible.working_days_in_month
            / greatest(round(eligible.contacts_per_month), 1)) as integer) as due_working_day,
        cast(null as date) as earliest_date,
        cast(null as date) as due_date,
        {{ no_risk_columns() }}
    from eligible
    inner join numbers
        on numbers.generated_number <= greatest(round(eligible.contacts_per_month), 1)
    where eligible.contacts_per_month >= 1
        or mod(eligible.month_number + eligible.turn,
               cast(round(1 / nullif(eligible.contacts_per_month, 0)) as integer)) = 0
),

rescue as (
    select
        eligible.month_start,
        eligible.customer_id,
        eligible.home_branch_id,
        eligible.staff_id,
        eligible.monthly_avg_aum,
        'churn_rescue' as contact_reason,
        1 as priority,
        events.churn_event_id as contact_reference,
        1 as earliest_working_day,
        {{ var('churn_rescue_due_working_days') }} as due_working_day,
        cast(null as date) as earliest_date,
        cast(null as date) as due_date,
        {{ no_risk_columns() }}
    from eligible
    inner join {{ ref('int_churn_events') }} as events
        on eligible.customer_id = events.customer_id
        and {{ is_churn_rescue_event('events', 'eligible.month_start') }}
),

maturing as (
    select
        accounts.account_id,
        accounts.customer_id,
        accounts.maturity_date,
        cast({{ dbt.dateadd('day', -var('maturity_reminder_days_before_start'), 'accounts.maturity_date') }} as date) as window_start,
        cast({{ dbt.dateadd('day', -var('maturity_reminder_days_before_due'), 'accounts.maturity_date') }} as date) as window_end
    from {{ ref('stg_bank__accounts') }} as accounts
    where accounts.product_type in ('time_deposit', 'wealth_product')
        and accounts.maturity_date is not null
        and (accounts.closed_date is null or accounts.closed_date >= accounts.maturity_date)
),

reminders as (
    select
        eligible.month_start,
        eligible.customer_id,
        eligible.home_branch_id,
        eligible.staff_id,
        eligible.monthly_avg_aum,
        'maturity_reminder' as contact_reason,
        3 as priority,
        maturing.account_id as contact_reference,
        cast(null as integer) as earliest_working_day,
        cast(null as integer) as due_working_day,
        greatest(maturing.window_start, eligible.first_day) as earliest_date,
        least(maturing.window_end, eligible.last_day) as due_date,
        {{ no_risk_columns() }}
    from eligible
    inner join maturing
        on eligible.customer_id = maturing.customer_id
        -- the reminder belongs to the month its due day falls in
        and maturing.window_end between eligible.first_day and eligible.last_day
    -- the maturity a prevention call is about: that call replaces the reminder
    left join prevention
        on eligible.customer_id = prevention.customer_id
        and eligible.month_start = prevention.month_start
        and maturing.maturity_date = prevention.next_maturity_date
    where prevention.customer_id is null
),

prevention_dated as (
    select
        month_start,
        customer_id,
        home_branch_id,
        staff_id,
        monthly_avg_aum,
        contact_reason,
        priority,
        contact_reference,
        cast(null as integer) as earliest_working_day,
        cast(null as integer) as due_working_day,
        earliest_date,
        due_date,
        expected_loss,
        risk_reason_codes,
        risk_reasons,
        suggested_action
    from prevention
),

contacts as (
    select * from routine
    union all
    select * from rescue
    union all
    select * from reminders
    union all
    select * from prevention_dated
),

-- working-day numbers to dates and back
dated as (
    select
        contacts.month_start,
        contacts.customer_id,
        contacts.home_branch_id,
        contacts.staff_id,
        contacts.monthly_avg_aum,
        contacts.contact_reason,
        contacts.priority,
        contacts.contact_reference,
        coalesce(contacts.earliest_date, earliest_day.calendar_date) as earliest_date,
        coalesce(contacts.due_date, due_day.calendar_date) as due_date,
        contacts.expected_loss,
        contacts.risk_reason_codes,
        contacts.risk_reasons,
        contacts.suggested_action
    from contacts
    left join working_days as earliest_day
        on earliest_day.month_start = contacts.month_start
        and earliest_day.working_day_number = contacts.earliest_working_day
    left join working_days as due_day
        on due_day.month_start = contacts.month_start
        and due_day.working_day_number = contacts.due_working_day
)

select
    dated.*,
    customers.has_usable_phone
from dated
inner join {{ ref('stg_bank__customers') }} as customers on dated.customer_id = customers.customer_id
