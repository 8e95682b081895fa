with customer_snapshot as (

    select * from {{ ref('snap_customers') }}

),

pii_key as (

    -- the HMAC key's padded forms; readable by the role that builds gold, not the reader
    select * from {{ source('warehouse_private', 'pii_hmac_key') }}

),

transactions as (

    select * from {{ ref('stg_transactions') }}

),

as_of as (

    -- the extract's as-of date: the latest change the customer master has shown us;
    -- derived ages and tenures are measured against it so re-runs are reproducible
    select cast(max(updated_at) as date) as as_of_date
    from customer_snapshot

),

versions as (

    select
        customer_snapshot.*,
        row_number() over (
            partition by customer_snapshot.customer_id
            order by customer_snapshot.dbt_valid_from
        ) as version_number,
        count(*) over (partition by customer_snapshot.customer_id) as version_count
    from customer_snapshot

),

load_clock as (

    -- simulated time reached by each load: the latest event it (or an earlier load) brought
    select
        {{ to_utc_timestamp('loaded_at') }} as loaded_at,
        max({{ to_utc_timestamp('transaction_time') }}) as latest_event_at
    from transactions
    group by {{ to_utc_timestamp('loaded_at') }}

),

deletions as (

    -- a hard delete is closed by the snapshot at wall-clock time; move it to the simulated
    -- extract time of the loads seen by then, so re-runs of the same batches agree
    select
        versions.customer_id,
        max(load_clock.latest_event_at) as deleted_at
    from versions
    inner join load_clock
        on versions.dbt_valid_to >= load_clock.loaded_at
    where
        versions.version_number = versions.version_count
        and versions.dbt_valid_to <> {{ scd_far_future() }}
    group by versions.customer_id

),

validity as (

    select
        versions.*,
        -- the first version is valid from the customer's creation, so transactions made
        -- before the first snapshot still find it
        case
            when versions.version_number = 1
                then coalesce(
                    case
                        when versions.created_at < versions.dbt_valid_from then versions.created_at
                    end,
                    versions.dbt_valid_from
                )
            else versions.dbt_valid_from
        end as valid_from,
        case
            when deletions.deleted_at > versions.dbt_valid_from then deletions.deleted_at
            else versions.dbt_valid_to
        end as valid_to,
        versions.dbt_valid_to = {{ scd_far_future() }} as is_current,
        versions.version_number = versions.version_count
        and versions.dbt_valid_to <> {{ scd_far_future() }} as is_deleted
    from versions
    left join deletions
        on
            versions.customer_id = deletions.customer_id
            and versions.version_number = versions.version_count

),

derived as (

    select
        validity.*,
        as_of.as_of_date,
        extract(year from as_of.as_of_date) - extract(year from validity.date_of_birth)
        - case
            when
                extract(month from as_of.as_of_date) * 100 + extract(day from as_of.as_of_date)
                < extract(month from validity.date_of_birth) * 100 + extract(day from validity.date_of_birth)
                then 1
            else 0
        end as age_years,
        {{ dbt.datediff('cast(validity.created_at as date)', 'as_of.as_of_date', 'month') }}
            as tenure_months
    from validity
    cross join as_of

),

customers as (

    select
        -- keys
        {{ gold_surrogate_key(['customer_id', 'dbt_valid_from']) }} as customer_key,
        customer_id,
        -- attributes: contact data only as keyed hashes (joinable, not reversible or
        -- recomputable without the key); no name, street address or birth date
        {{ pii_hmac("lower(trim(email))", "pii_key") }} as email_hmac,
        {{ pii_hmac("regexp_replace(phone, '[^0-9]', '', 'g')", "pii_key") }} as phone_hmac,
        -- attributes: place and demographics, generalised so few customers are unique on
        -- them (README): the census region instead of city and state, an age band instead
        -- of the birth date; gender stays in silver (no gold model uses it)
        {{ us_census_region('state') }} as region,
        country,
        case
            when age_years is null then 'unknown'
            when age_years < 25 then '18-24'
            when age_years < 35 then '25-34'
            when age_years < 45 then '35-44'
            when age_years < 55 then '45-54'
            when age_years < 65 then '55-64'
            else '65+'
        end as age_band,
        employment_status,
        -- attributes: relationship
        customer_segment,
        case
            when customer_segment in ('affluent', 'premier') then 'wealth'
            when customer_segment = 'small_business' then 'business'
            when customer_segment in ('mass', 'student') then 'retail'
            else 'unknown'
        end as segment_group,
        customer_status,
        preferred_channel,
        cast(created_at as date) as customer_since_date,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as cohort_month_date,
        cast(tenure_months as {{ dbt.type_int() }}) as tenure_months,
        case
            when tenure_months is null then 'unknown'
            when tenure_months < 12 then '0-11 months'
            when tenure_months < 36 then '1-2 years'
            when tenure_months < 60 then '3-4 years'
            else '5+ years'
        end as tenure_band,
        -- attributes: financial profile and risk
        annual_income,
        case
            when annual_income is null then 'unknown'
            when annual_income < 25000 then 'under_25k'
            when annual_income < 50000 then '25k-50k'
            when annual_income < 100000 then '50k-100k'
            when annual_income < 200000 then '100k-200k'
            else '200k+'
        end as income_band,
        credit_score,
        case
            when credit_score is null then 'unknown'
            when credit_score < 580 then 'poor'
            when credit_score < 670 then 'fair'
            when credit_score < 740 then 'good'
            when credit_score < 800 then 'very_good'
            else 'exceptional'
        end as credit_score_band,
        risk_rating,
        case
            when risk_rating = 'high' or credit_score < 580 then 'high'
            when risk_rating = 'medium' or credit_score < 670 then 'medium'
            when risk_rating = 'low' then 'low'
            else 'unknown'
        end as risk_tier,
        -- flags
        customer_status = 'active' as is_active,
        preferred_channel in ('mobile', 'online') as is_digital_preferred,
        coalesce(age_years >= 65, false) as is_senior,
        is_current,
        is_deleted,
        -- scd2
        cast(version_number as {{ dbt.type_int() }}) as version_number,
        valid_from,
        valid_to,
        -- timestamps
        created_at as customer_created_at,
        updated_at as source_updated_at
    from derived

),

unknown_member as (

    select
        {{ unknown_member_key() }} as customer_key,
        'UNKNOWN' as customer_id,
        cast(null as {{ dbt.type_string() }}) as email_hmac,
        cast(null as {{ dbt.type_string() }}) as phone_hmac,
        'unknown' as region,
        cast(null as {{ dbt.type_string() }}) as country,
        'unknown' as age_band,
        cast(null as {{ dbt.type_string() }}) as employment_status,
        'unknown' as customer_segment,
        'unknown' as segment_group,
        'unknown' as customer_status,
        cast(null as {{ dbt.type_string() }}) as preferred_channel,
        cast(null as date) as customer_since_date,
        cast(null as date) as cohort_month_date,
        cast(null as {{ dbt.type_int() }}) as tenure_months,
        'unknown' as tenure_band,
        cast(null as {{ dbt.type_numeric() }}) as annual_income,
        'unknown' as income_band,
        cast(null as {{ dbt.type_int() }}) as credit_score,
        'unknown' as credit_score_band,
        cast(null as {{ dbt.type_string() }}) as risk_rating,
        'unknown' as risk_tier,
        false as is_active,
        false as is_digital_preferred,
        false as is_senior,
        true as is_current,
        false as is_deleted,
        1 as version_number,
        cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }}) as valid_from,
        {{ scd_far_future() }} as valid_to,
        cast(null as {{ dbt.type_timestamp() }}) as customer_created_at,
        cast(null as {{ dbt.type_timestamp() }}) as source_updated_at

),

final as (

    select * from customers
    union all
    select * from unknown_member

)

select * from final
