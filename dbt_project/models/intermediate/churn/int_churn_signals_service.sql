{#- Service 服务导向型 (docs/rules.md section 5), one row per churn event, for affluent and mass customers
    (tier before ranked 1-2): a complaint from churn_service_complaint_days days before the event to the end
    of its window, or no successful contact for more than churn_service_neglect_cadence_multiple times the
    tier's contact interval (tier_roles) at the end of the event's first month (since onboarding if never).
    Evidence the bank never delivered is unknown, not absent: the signal is null then. -#}
with windows as (
    select * from {{ ref('int_churn_event_windows') }}
),

complaints as (
    select
        windows.churn_event_id,
        {{ sorted_list('complaints.complaint_id') }} as complaint_ids
    from windows
    inner join {{ ref('stg_bank__complaints') }} as complaints
        on windows.customer_id = complaints.customer_id
        and complaints.created_date >= cast({{ dbt.dateadd('day', -var('churn_service_complaint_days'), 'windows.event_month') }} as date)
        and complaints.created_date <= windows.window_end
    group by windows.churn_event_id
),

last_contact as (
    select
        windows.churn_event_id,
        max(contacts.contact_date) as last_successful_contact_date
    from windows
    inner join {{ ref('stg_bank__contact_logs') }} as contacts
        on windows.customer_id = contacts.customer_id
        and contacts.is_successful
        and contacts.contact_date <= windows.first_period_end
    group by windows.churn_event_id
),

contact_gaps as (
    -- days without a successful contact at the end of the event's first month (since onboarding if never)
    select
        windows.churn_event_id,
        last_contact.last_successful_contact_date,
        {{ dbt.datediff('coalesce(last_contact.last_successful_contact_date, customers.onboarded_date)', 'windows.first_period_end', 'day') }}
            as days_since_last_successful_contact
    from windows
    inner join {{ ref('stg_bank__customers') }} as customers on windows.customer_id = customers.customer_id
    left join last_contact on windows.churn_event_id = last_contact.churn_event_id
),

-- What the bank delivered: evidence never delivered is unknown, not absent
deliveries as (
    select
        (select min(contact_date) from {{ ref('stg_bank__contact_logs') }}) as first_contact_date,
        (select max(contact_date) from {{ ref('stg_bank__contact_logs') }}) as last_contact_date,
        (select min(created_date) from {{ ref('stg_bank__complaints') }}) as first_complaint_date,
        (select max(created_date) from {{ ref('stg_bank__complaints') }}) as last_complaint_date
),

neglect_windows as (
    -- the gap that counts as neglect: more than churn_service_neglect_cadence_multiple times the tier's
    -- contact interval (tier_roles) before the first month's end; gap_start is the day it had to start
    select
        windows.churn_event_id,
        tier_roles.contacts_per_month,
        {{ var('churn_service_neglect_cadence_multiple') }} * 365.25 / 12
            / nullif(tier_roles.contacts_per_month, 0) as neglect_days,
        cast({{ dbt.dateadd('day', '-cast(ceiling(coalesce(' ~ var('churn_service_neglect_cadence_multiple')
            ~ ' * 365.25 / 12 / nullif(tier_roles.contacts_per_month, 0), 0)) as integer)',
            'windows.first_period_end') }} as date) as gap_start
    from windows
    left join {{ ref('tier_roles') }} as tier_roles on windows.tier_before = tier_roles.tier
),

evidence as (
    -- contacts are known when the logs delivered began on or before the gap's start and reach it;
    -- complaints when the complaints delivered span part of the period the signal reads
    select
        windows.churn_event_id,
        neglect_windows.neglect_days,
        neglect_windows.contacts_per_month,
        case when deliveries.first_contact_date <= neglect_windows.gap_start
                and deliveries.last_contact_date >= neglect_windows.gap_start
            then 'delivered' else 'not_delivered' end as contact_evidence,
        case when deliveries.first_complaint_date <= windows.window_end
                and deliveries.last_complaint_date
                    >= cast({{ dbt.dateadd('day', -var('churn_service_complaint_days'), 'windows.event_month') }} as date)
            then 'delivered' else 'not_delivered' end as complaint_evidence
    from windows
    inner join neglect_windows on windows.churn_event_id = neglect_windows.churn_event_id
    cross join deliveries
),

signals as (
    select
        windows.churn_event_id,
        evidence.contact_evidence,
        evidence.complaint_evidence,
        case when evidence.contact_evidence = 'delivered'
            then contact_gaps.days_since_last_successful_contact end as days_since_last_successful_contact,
        contact_gaps.last_successful_contact_date,
        evidence.contacts_per_month as tier_before_contacts_per_month,
        complaints.complaint_ids,
        -- null: the complaints or contact logs that would show it were not delivered for the period
        case when evidence.complaint_evidence = 'delivered' then
            windows.tier_before_rank in (1, 2) and complaints.churn_event_id is not null
        end as signal_service_complaint,
        case when evidence.contact_evidence = 'delivered' then
            windows.tier_before_rank in (1, 2) and evidence.contacts_per_month > 0
            and contact_gaps.days_since_last_successful_contact > evidence.neglect_days
        end as signal_service_no_contact
    from windows
    inner join contact_gaps on windows.churn_event_id = contact_gaps.churn_event_id
    inner join evidence on windows.churn_event_id = evidence.churn_event_id
    left join complaints on windows.churn_event_id = complaints.churn_event_id
)

select
    signals.*,
    -- the family's verdict: either signal (unknown counts as not matched, as before)
    coalesce(signal_service_complaint or signal_service_no_contact, false) as signal_service
from signals
