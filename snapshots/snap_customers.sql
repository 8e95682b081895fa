{#
    SCD2 history of the customer master. Reads the deduplicated staging model, so a
    re-sent or duplicated source row can never break the unique key. Timestamps are
    stored as UTC timestamps without time zone, the type snapshot_get_time() returns on
    postgres, so updates (valid_to = updated_at) and hard deletes (valid_to = snapshot
    time) write one type. Shared config (strategy timestamp_with_corrections, hard
    deletes, far-future valid_to, the post-hook that drops corrected versions) sits in
    dbt_project.yml; the strategy is in macros/snapshot_corrections.sql.
#}
{% snapshot snap_customers %}

{{ config(unique_key='customer_id') }}

{%- set content_columns = [
    'customer_id', 'first_name', 'last_name', 'email', 'phone', 'date_of_birth', 'gender',
    'address', 'city', 'state', 'postal_code', 'country', 'customer_segment', 'annual_income',
    'credit_score', 'employment_status', 'risk_rating', 'customer_status', 'preferred_channel',
    'created_at',
] %}

with customers as (

    select * from {{ ref('stg_customers') }}

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
        {{ snapshot_content_quality(content_columns) }} as content_quality
    from customers

)

select * from final

{% endsnapshot %}
