{#
    Every bronze transactions row, cleaned and judged: one row per bronze row. stg_transactions
    keeps the accepted rows (rejection_reason is null) and deduplicates them;
    rejected_rows keeps the others with their raw row. A table every reader shares, so
    each row has one verdict.

    Incremental: each load is judged once, when it arrives (bronze stamps _loaded_at in
    commit order, so `>` on the newest load held misses none). A verdict only depends on
    the row, its batch and the key registries, and the registries only grow (an account's
    opening date only moves earlier): the verdicts that can change later are the orphan
    ones (the parent may arrive), before_account_opened (the opening date may be corrected
    to an earlier day) and an unknown merchant, so those held rows are judged again on
    every run. The post-hook drops the
    rows of loads bronze no longer holds (a reloaded batch), so the table always equals
    what a full refresh builds.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['natural_key', 'loaded_at', 'row_hash'],
        on_schema_change='fail',
        indexes=[{'columns': ['natural_key']}, {'columns': ['loaded_at']}, {'columns': ['dbt_loaded_at']}],
        post_hook=["{{ delete_rows_of_withdrawn_loads(this, source('bronze', 'transactions')) }}"],
    )
}}

{#- the columns bronze sent, cleaned: the row's content (its hash) and what a held row
    judged again is read back with -#}
{%- set content_columns = [
    'transaction_id', 'account_id', 'customer_id', 'merchant_id', 'transaction_time', 'amount',
    'currency', 'transaction_type', 'channel', 'card_present', 'status', 'decline_reason',
    'fee_amount', 'device_id', 'ip_country', 'description', 'is_fraud', 'created_at',
] %}

with

source as (

    select * from {{ source('bronze', 'transactions') }}
    {% if is_incremental() -%}
    where
        _loaded_at > (
            select coalesce(max(held.loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }} as held
        )
    {%- endif %}

),

-- the simulated extract time of each batch: later events are in the future
batches as (

    select
        batch_id,
        as_of
    from {{ source('bronze', 'batches') }}

),

known_accounts as (

    select
        account_id,
        opened_date
    from {{ ref('registry_accounts') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

known_merchants as (

    select merchant_id from {{ ref('registry_merchants') }}

),

cleaned_loads as (

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

cleaned as (

    select * from cleaned_loads
    {% if is_incremental() %}
    union all
    -- held rows whose verdict a grown registry can change: orphans and unknown merchants
    select
        {% for column in content_columns -%}
        {{ column }},
        {% endfor -%}
        is_code_repaired,
        batch_id,
        loaded_at,
        raw_row
    from {{ this }}
    where
        rejection_reason in ('orphan_account', 'orphan_customer', 'before_account_opened')
        or is_merchant_known = false
    {% endif %}

),

judged as (

    select
        cleaned.*,
        case when cleaned.merchant_id is not null then known_merchants.merchant_id is not null end as is_merchant_known,
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
            when
                cleaned.account_id is not null and known_accounts.account_id is null
                then 'orphan_account'
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
            when
                cast(cleaned.transaction_time as date) < known_accounts.opened_date
                then 'before_account_opened'
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

hashed as (

    select
        judged.*,
        {{ row_content_hash(content_columns) }} as row_hash
    from judged

),

-- two accepted rows of one key in one load that say different things: the latest record
-- (created_at) wins, the other is a conflicting_duplicate (the same content twice is a
-- duplicate, which staging removes)
verdicts as (

    select
        hashed.*,
        {{ conflicting_duplicate_verdict('transaction_id', 'created_at desc') }} as verdict
    from hashed

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
        is_merchant_known,
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict
        verdict as rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when verdict is not null then raw_row end as raw_row,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from verdicts

)

select * from final
