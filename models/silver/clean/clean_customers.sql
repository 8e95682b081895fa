{#
    Every bronze customers row, cleaned and judged: one row per bronze row. A customer
    refers to no other table, so its own values decide and this is its final verdict:
    registry_customers and stg_customers read the accepted rows (rejection_reason is
    null), rejected_rows keeps the others with their raw row. It reads nothing but its
    source, so it runs beside the other clean_* models. A table, rebuilt each run: every
    reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'customers') }}

),

cleaned as (

    select
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('phone') }} as phone,
        date_of_birth,
        {{ clean_upper_code('gender') }} as gender,
        {{ clean_text('address') }} as address,
        {{ clean_text('city') }} as city,
        {{ clean_text('state') }} as state,
        {{ clean_text('postal_code') }} as postal_code,
        {{ clean_iso_code('country') }} as country,
        {{ clean_code('customer_segment') }} as customer_segment,
        annual_income,
        credit_score,
        {{ clean_code('employment_status') }} as employment_status,
        {{ clean_code('risk_rating') }} as risk_rating,
        {{ clean_code('customer_status') }} as customer_status,
        {{ clean_code('preferred_channel') }} as preferred_channel,
        created_at,
        updated_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_upper_code('gender') }} != gender, false)
            or coalesce({{ clean_iso_code('country') }} != country, false)
            or coalesce({{ clean_code('customer_segment') }} != customer_segment, false)
            or coalesce({{ clean_code('employment_status') }} != employment_status, false)
            or coalesce({{ clean_code('risk_rating') }} != risk_rating, false)
            or coalesce({{ clean_code('customer_status') }} != customer_status, false)
            or coalesce({{ clean_code('preferred_channel') }} != preferred_channel, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

-- master data: a bad attribute is nulled and flagged, the row stays (no orphaned children)
checked as (

    select
        cleaned.customer_id,
        cleaned.first_name,
        cleaned.last_name,
        case when {{ is_valid_email('cleaned.email') }} then cleaned.email end as email,
        case when {{ is_valid_phone('cleaned.phone') }} then cleaned.phone end as phone,
        cleaned.date_of_birth,
        case when cleaned.gender in ('F', 'M', 'X') then cleaned.gender end as gender,
        cleaned.address,
        cleaned.city,
        cleaned.state,
        cleaned.postal_code,
        cleaned.country,
        case
            when
                cleaned.customer_segment in ('mass', 'affluent', 'premier', 'student', 'small_business')
                then cleaned.customer_segment
        end as customer_segment,
        cleaned.annual_income,
        cleaned.credit_score,
        case
            when
                cleaned.employment_status in ('employed', 'self_employed', 'unemployed', 'retired', 'student')
                then cleaned.employment_status
        end as employment_status,
        case when cleaned.risk_rating in ('low', 'medium', 'high') then cleaned.risk_rating end as risk_rating,
        case when cleaned.customer_status in ('active', 'inactive', 'closed') then cleaned.customer_status end
            as customer_status,
        case
            when cleaned.preferred_channel in ('mobile', 'online', 'branch', 'phone') then cleaned.preferred_channel
        end as preferred_channel,
        cleaned.created_at,
        cleaned.updated_at,
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.raw_row,
        {{ is_valid_email('cleaned.email') }} as is_email_valid,
        {{ is_valid_phone('cleaned.phone') }} as is_phone_valid,
        (
            cleaned.first_name is not null
            and cleaned.last_name is not null
            and cleaned.date_of_birth is not null
            and cleaned.customer_segment is not null
            and cleaned.customer_status is not null
            and cleaned.created_at is not null
            and coalesce(cleaned.gender in ('F', 'M', 'X'), true)
            and coalesce(cleaned.customer_segment in ('mass', 'affluent', 'premier', 'student', 'small_business'), true)
            and coalesce(
                cleaned.employment_status in ('employed', 'self_employed', 'unemployed', 'retired', 'student'), true
            )
            and coalesce(cleaned.risk_rating in ('low', 'medium', 'high'), true)
            and coalesce(cleaned.customer_status in ('active', 'inactive', 'closed'), true)
            and coalesce(cleaned.preferred_channel in ('mobile', 'online', 'branch', 'phone'), true)
        ) as is_complete
    from cleaned

),

judged as (

    select
        checked.*,
        case
            when {{ id_too_long(['checked.customer_id']) }}
                then 'value_too_long'
            when
                checked.customer_id is null
                then 'missing_required_field'
        end as rejection_reason
    from checked

),

final as (

    select
        -- keys
        customer_id as natural_key,
        -- attributes
        customer_id,
        first_name,
        last_name,
        email,
        phone,
        date_of_birth,
        gender,
        address,
        city,
        state,
        postal_code,
        country,
        customer_segment,
        annual_income,
        credit_score,
        employment_status,
        risk_rating,
        customer_status,
        preferred_channel,
        created_at,
        updated_at,
        -- flags
        is_email_valid,
        is_phone_valid,
        is_complete,
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'customer_id',
            'first_name',
            'last_name',
            'email',
            'phone',
            'date_of_birth',
            'gender',
            'address',
            'city',
            'state',
            'postal_code',
            'country',
            'customer_segment',
            'annual_income',
            'credit_score',
            'employment_status',
            'risk_rating',
            'customer_status',
            'preferred_channel',
            'created_at',
            'updated_at',
        ]) }} as row_hash,
        -- verdict
        rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when rejection_reason is not null then raw_row end as raw_row
    from judged

)

select * from final
