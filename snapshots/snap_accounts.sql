{#
    SCD2 history of accounts (status, balance, limit and rate changes). Same rules as
    snap_customers: reads the deduplicated staging model, UTC timestamps without time
    zone, shared config in dbt_project.yml.
#}
{% snapshot snap_accounts %}

{{ config(unique_key='account_id') }}

with accounts as (

    select * from {{ ref('stg_accounts') }}

),

final as (

    select
        -- keys
        account_id,
        customer_id,
        product_id,
        -- attributes
        account_type,
        account_status,
        currency,
        opened_date,
        closed_date,
        -- measures
        opening_balance,
        current_balance,
        credit_limit,
        interest_rate,
        -- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at
    from accounts

)

select * from final

{% endsnapshot %}
