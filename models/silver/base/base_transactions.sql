{#
    Every bronze transactions row, cleaned and judged: one row per bronze row. stg_transactions
    keeps the accepted rows (rejection_reason is null) and deduplicates them;
    rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'transactions') }}

),

-- the simulated extract time of each batch: later events are in the future
batches as (

    select
        batch_id,
        as_of
    from {{ source('bronze', 'batches') }}

),

known_accounts as (

    select account_id from {{ ref('registry_accounts') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

known_merchants as (

    select merchant_id from {{ ref('registry_merchants') }}

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
        {{ raw_row_json('source') }} as raw_row
    from source

),

judged as (

    select
        cleaned.*,
        case when cleaned.merchant_id is not null then known_merchants.merchant_id is not null end as is_merchant_known,
        case
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
                cleaned.account_id is not null and known_accounts.account_id is null
                then 'orphan_account'
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
        end as rejection_reason
    from cleaned
    left join batches
        on cleaned.batch_id = batches.batch_id
    left join known_accounts
        on cleaned.account_id = known_accounts.account_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id
    left join known_merchants
        on cleaned.merchant_id = known_merchants.merchant_id

),

final as (

    select
        -- keys
        transaction_id as natural_key,
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
        is_merchant_known,
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'transaction_id',
            'account_id',
            'customer_id',
            'merchant_id',
            'transaction_time',
            'amount',
            'currency',
            'transaction_type',
            'channel',
            'card_present',
            'status',
            'decline_reason',
            'fee_amount',
            'device_id',
            'ip_country',
            'description',
            'is_fraud',
            'created_at',
        ]) }} as row_hash,
        -- verdict
        rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when rejection_reason is not null then raw_row end as raw_row
    from judged

)

select * from final
