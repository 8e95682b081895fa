{#
    SCD2 history of the customer master. Reads the deduplicated staging model, so a
    re-sent or duplicated source row can never break the unique key. Timestamps are
    stored as UTC timestamps without time zone, the type snapshot_get_time() returns on
    postgres, so updates (valid_to = updated_at) and hard deletes (valid_to = snapshot
    time) write one type. Shared config (strategy, hard deletes, far-future valid_to)
    sits in dbt_project.yml.
#}
{% snapshot snap_customers %}

{{ config(unique_key='customer_id') }}

with customers as (

    select * from {{ ref('stg_customers') }}

),

final as (

    select
        -- keys
        customer_id,
        -- attributes
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
        -- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at
    from customers

)

select * from final

{% endsnapshot %}
