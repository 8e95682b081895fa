{#
    SCD2 history of accounts (status, balance, limit and rate changes). Same rules as
    snap_customers: reads the deduplicated staging model, UTC timestamps without time
    zone, shared config in dbt_project.yml (strategy timestamp_with_corrections: a value
    the source corrects without moving updated_at replaces the version it corrects).
#}
{% snapshot snap_accounts %}

{{ config(unique_key='account_id') }}

{%- set content_columns = [
    'account_id', 'customer_id', 'product_id', 'account_type', 'account_status', 'currency',
    'opened_date', 'closed_date', 'opening_balance', 'current_balance', 'credit_limit',
    'interest_rate', 'created_at',
] %}

with accounts as (

    select * from {{ ref('stg_accounts') }}

),

final as (

    select
        {% for column in content_columns if column != 'created_at' -%}
        {{ column }},
        {% endfor -%}
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        -- what the strategy compares when updated_at stays the same (a correction)
        {{ row_content_hash(content_columns) }} as content_hash,
        {{ snapshot_content_quality(content_columns, ['is_customer_known', 'is_product_known']) }} as content_quality
    from accounts

)

select * from final

{% endsnapshot %}
