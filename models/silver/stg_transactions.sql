{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['transaction_id'], 'unique': true}, {'columns': ['loaded_at']}],
        post_hook=["{{ delete_unbacked_rows(this, ref('base_transactions'), 'transaction_id') }}"],
    )
}}

with

base_transactions as (

    select * from {{ ref('base_transactions') }}

),

{% if is_incremental() %}
-- what silver holds already: the newest load (far past when empty) and the keys
silver_watermark as (

    select
        coalesce(
            max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})
        ) as max_loaded_at
    from {{ this }}

),

silver_keys as (

    select transaction_id from {{ this }}

),
{% endif %}

accepted as (

    select base_transactions.*
    from base_transactions
    {% if is_incremental() %}
    cross join silver_watermark
    {% endif %}
    where
        base_transactions.rejection_reason is null
    {% if is_incremental() %}
    -- new loads (with a lookback for late commits), and keys not in silver yet
    -- (rows rejected earlier as orphans whose parent has arrived since)
    and (
        base_transactions.loaded_at
        > {{ dbt.dateadd('minute', -var('silver_lookback_minutes'), 'silver_watermark.max_loaded_at') }}
        or base_transactions.transaction_id not in (
            select silver_keys.transaction_id from silver_keys
        )
    )
    {% endif %}

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by transaction_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        transaction_id,
        account_id,
        customer_id,
        merchant_id,
        transaction_time,
        amount,
        currency,
        transaction_type,
        channel,
        card_present,
        status,
        decline_reason,
        fee_amount,
        device_id,
        ip_country,
        description,
        is_fraud,
        created_at,
        is_merchant_known,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
