{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['transaction_id'], 'unique': true},
            {'columns': ['loaded_at']},
            {'columns': ['dbt_loaded_at']},
        ],
        post_hook=["{{ delete_unbacked_rows(this, ref('judged_transactions'), 'transaction_id') }}"],
    )
}}

-- depends_on: {{ ref('stg_batches') }} (the loads bronze holds, for the withdrawn ones)
with

judged_transactions as (

    select * from {{ ref('judged_transactions') }}

),

{% if is_incremental() %}
-- the loads held here that bronze no longer has (macros/silver_incremental.sql)
withdrawn_loads as (

    {{ withdrawn_loads(this) | indent(4) }}

),

-- the keys of the rows judged_transactions judged since this model's last run: new loads,
-- and held orphans judged again (one whose parent has arrived is accepted now); and the
-- keys whose row held here came from a load bronze no longer has (a reloaded batch that
-- dropped a correction: the key's earlier load wins again). Only these keys can get a
-- new winning row, so only they are ranked again, over every accepted row they have.
-- One invocation stamps every model with the same dbt_loaded_at, so `>` skips what this
-- model already saw and keeps what a failed run missed. Both relations are read
-- directly, through their dbt_loaded_at, natural_key and loaded_at indexes, not through
-- the import CTE, which postgres would store whole
touched_keys as (

    select judged.natural_key
    from {{ ref('judged_transactions') }} as judged
    where
        judged.rejection_reason is null
        and judged.dbt_loaded_at > (
            select coalesce(max(held.dbt_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }} as held
        )
    union
    -- an accepted id is its natural key (an id too long to be one is rejected)
    select held.transaction_id as natural_key
    from {{ this }} as held
    -- = any(array): one lookup of the loaded_at index per withdrawn load
    where held.loaded_at = any(array(select withdrawn_loads.loaded_at from withdrawn_loads))

),
{% endif %}

accepted as (

    {% if is_incremental() -%}
    -- a lateral that cannot be pulled up (offset 0, which keeps every row of the key: no
    -- order is needed): one probe of the natural_key index per touched key. As a join, the
    -- planner (which cannot know how few keys are touched) merged the touched keys with
    -- the whole index, every accepted row of the history
    select key_rows.*
    from touched_keys
    cross join
        lateral (
            select judged_transactions.*
            from judged_transactions
            where
                judged_transactions.natural_key = touched_keys.natural_key
                and judged_transactions.rejection_reason is null
            offset 0  -- noqa: AM09
        ) as key_rows
    {%- else -%}
    select judged_transactions.*
    from judged_transactions
    where judged_transactions.rejection_reason is null
    {%- endif %}

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
        loaded_at,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from ranked
    where load_rank = 1

)

select * from final
