{#- Contact fields arrive in many shapes. A field with no usable content (a placeholder such as 无 or n/a,
    spaces, punctuation only) is missing: NULL (macros/privacy/contact_values.sql). Spaces, dashes and a
    +86 / 0086 country prefix are removed before a mobile number is judged usable against
    var('mobile_phone_pattern'). -#}
with source as (
    select * from {{ source('bank', 'customers') }}
),

usable as (
    select
        customer_id,
        home_branch_id,
        relationship_manager_id,
        {{ usable_text('customer_name') }} as customer_name,
        {{ usable_text('id_number') }} as id_number,
        birth_date,
        {{ usable_text('address') }} as address,
        {{ usable_text('email') }} as email,
        {{ usable_text('landline_phone') }} as landline_phone,
        {{ usable_text('mobile_phone') }} as mobile_phone,
        gender,
        onboarded_date
    from source
),

normalised as (
    select
        *,
        nullif({{ regexp_replace_all('mobile_phone', '[^0-9]', '') }}, '') as mobile_digits
    from usable
),

renamed as (
    select
        -- ids
        customer_id,
        home_branch_id,
        relationship_manager_id,
        -- personal data: kept here for matching and quality checks, masked in marts
        customer_name,
        id_number,
        birth_date,
        address,
        email,
        landline_phone,
        mobile_phone as mobile_phone_raw,
        case
            when {{ dbt.length('mobile_digits') }} = 13 and left(mobile_digits, 2) = '86' then right(mobile_digits, 11)
            when {{ dbt.length('mobile_digits') }} = 15 and left(mobile_digits, 4) = '0086' then right(mobile_digits, 11)
            else mobile_digits
        end as mobile_phone,
        -- categories
        gender,
        -- dates
        onboarded_date
    from normalised
),

flagged as (
    select
        *,
        coalesce({{ regexp_matches('mobile_phone', var('mobile_phone_pattern')) }}, false) as has_usable_phone
    from renamed
)

select * from flagged
