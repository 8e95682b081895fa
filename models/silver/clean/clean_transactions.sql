{#
    Every bronze transactions row, cleaned and judged by its own values and its batch:
    one row per bronze row. rejection_reason is the first rule of the row's own that it
    breaks (value_too_long to before_data_start), NULL when it breaks none; whether its
    account, customer and merchant are known is judged after, in judged_transactions,
    which may still reject it. It reads nothing but its source and stg_batches, so it
    runs beside the other clean_* models. It keeps the whole raw row of the rows it
    rejects and, of the others, only the text values cleaning changed (raw_row_changes),
    from which judged_transactions rebuilds the raw row of a row it rejects.

    Incremental: each load is cleaned once, when it arrives (bronze stamps _loaded_at in
    commit order, so `>` on the newest load held misses none). Nothing here depends on
    another table, so a row's verdict never changes and nothing held is read again. The
    post-hook drops the rows of loads stg_batches no longer lists (a reloaded batch), so
    the table always equals what a full refresh builds.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        indexes=[{'columns': ['loaded_at']}, {'columns': ['dbt_loaded_at']}],
        post_hook=["{{ delete_rows_of_withdrawn_loads(this) }}"],
        meta={'analyze_after_write': false},
    )
}}
{#- no statistics refresh after a write: its one reader selects new loads through the
    loaded_at index, which fresh statistics would not change (macros/latest_write.sql) -#}

{#- bronze's text columns, the only ones cleaning changes -#}
{%- set text_columns = [
    'transaction_id', 'account_id', 'customer_id', 'merchant_id', 'currency', 'transaction_type',
    'channel', 'status', 'decline_reason', 'device_id', 'ip_country', 'description',
] %}

with

source as (

    select * from {{ source('bronze', 'transactions') }}
    {% if is_incremental() -%}
    where {{ after_newest_held_load('_loaded_at') }}
    {%- endif %}

),

-- the simulated extract time of each batch: later events are in the future
batches as (

    select
        batch_id,
        as_of
    from {{ ref('stg_batches') }}

),

cleaned as (

    select
        {{ clean_id('transaction_id') }} as transaction_id,
        {{ clean_id('account_id') }} as account_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('merchant_id') }} as merchant_id,
        transaction_time,
        amount,
        {{ clean_iso_code('currency') }} as currency,
        {{ clean_code('transaction_type') }} as transaction_type,
        {{ clean_code('channel') }} as channel,
        card_present,
        {{ clean_code('status') }} as status,
        {{ clean_code('decline_reason') }} as decline_reason,
        fee_amount,
        {{ clean_text('device_id') }} as device_id,
        {{ clean_iso_code('ip_country') }} as ip_country,
        {{ clean_text('description') }} as description,
        is_fraud,
        created_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_iso_code('currency') }} != currency, false)
            or coalesce({{ clean_code('transaction_type') }} != transaction_type, false)
            or coalesce({{ clean_code('channel') }} != channel, false)
            or coalesce({{ clean_code('status') }} != status, false)
            or coalesce({{ clean_code('decline_reason') }} != decline_reason, false)
            or coalesce({{ clean_iso_code('ip_country') }} != ip_country, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        -- the text values as bronze sent them, for raw_row_changes
        {%- for column in text_columns %}
        {{ column }} as raw_{{ column }},
        {%- endfor %}
        {{ raw_row_json('source') }} as raw_row
    from source

),

judged as (

    select
        cleaned.*,
        case
            when
                {{ id_too_long([
                    'cleaned.transaction_id', 'cleaned.account_id', 'cleaned.customer_id', 'cleaned.merchant_id',
                ]) }}
                then 'value_too_long'
            when
                cleaned.transaction_id is null
                or cleaned.account_id is null
                or cleaned.customer_id is null
                or cleaned.transaction_time is null
                or cleaned.amount is null
                or cleaned.transaction_type is null
                or cleaned.status is null
                then 'missing_required_field'
            when
                cleaned.transaction_type not in (
                    'purchase', 'withdrawal', 'deposit', 'transfer_in', 'transfer_out', 'payment', 'fee', 'refund'
                )
                or cleaned.channel not in ('pos', 'online', 'mobile', 'atm', 'branch')
                or cleaned.status not in ('approved', 'declined', 'reversed')
                then 'invalid_code'
            when
                cleaned.amount = 0
                or cleaned.fee_amount < 0
                or (
                    cleaned.transaction_type in ('purchase', 'withdrawal', 'transfer_out', 'fee') and cleaned.amount > 0
                )
                or (cleaned.transaction_type in ('deposit', 'transfer_in', 'payment', 'refund') and cleaned.amount < 0)
                then 'invalid_amount'
            when
                cleaned.transaction_time > coalesce(batches.as_of, cleaned.loaded_at)
                then 'future_timestamp'
            when
                cleaned.transaction_time < {{ data_start_at() }}
                then 'before_data_start'
        end as rejection_reason
    from cleaned
    left join batches
        on cleaned.batch_id = batches.batch_id

),

final as (

    select
        -- keys (cut to the identifier limit: a rejected oversized id must still fit the index)
        {{ bounded_id('transaction_id') }} as natural_key,
        -- attributes
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
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'transaction_id', 'account_id', 'customer_id', 'merchant_id', 'transaction_time', 'amount',
            'currency', 'transaction_type', 'channel', 'card_present', 'status', 'decline_reason',
            'fee_amount', 'device_id', 'ip_country', 'description', 'is_fraud', 'created_at',
        ]) }} as row_hash,
        -- verdict of the row's own values (judged_transactions adds the references)
        rejection_reason,
        -- the raw row: whole on a row rejected here; on a row accepted here, which
        -- judged_transactions may still reject, only the text values cleaning changed
        case when rejection_reason is not null then raw_row end as raw_row,
        case
            when rejection_reason is null then {{ raw_row_changes(text_columns) }}
        end as raw_row_changes,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from judged

)

select * from final
