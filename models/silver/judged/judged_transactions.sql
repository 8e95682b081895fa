{#
    Every row of clean_transactions with its final verdict. A row its own values
    accepted is judged against what it refers to, in this order: an account silver never
    staged (orphan_account: not in registry_accounts), a customer silver never staged
    (orphan_customer: not in registry_customers), a day before the account's opening
    date, the earliest any extract gave (before_account_opened: registry_accounts). A
    fault of the row's own keeps the reason clean_transactions gave it, so it always
    comes first. An unknown merchant is a flag (is_merchant_known = false), not a
    rejection. Then the rows of one key and load still accepted are compared
    (conflicting_duplicate: the latest record, created_at, wins; the same content twice is
    a duplicate, which staging removes). stg_transactions keeps the accepted rows and
    deduplicates them; rejected_rows keeps the others with their raw row. A table every
    reader shares, so each row has one verdict.

    Incremental: the rows of each load are judged once, when clean_transactions has
    cleaned them (its loaded_at, in commit order, so `>` on the newest load held misses
    none). The registries only grow (an account's opening date only moves earlier), so
    the verdicts that can change later are the orphan ones (the parent may arrive),
    before_account_opened (the opening date may be corrected to an earlier day) and an
    unknown merchant. Each run finds those held rows (one pass over the table) and
    judges again the ones the registries now change (the parent is known, the opening
    date is no longer after the row's day), together with every row of their key and
    load (a row that becomes accepted is compared with the rows accepted beside it, as a
    full refresh compares them), from their held columns (the verdict of their own values
    is their held reason when it is one of those rules, else none; a rule of their own is
    never judged again). A flagged row whose parent is still missing would get the same
    verdict: it is left as held, not rewritten (at 10M transactions, 248,000 such rows a
    day were, and every one flowed on to stg_transactions and the fact as changed). The
    post-hook drops the rows of loads stg_batches no longer lists (a reloaded batch), so
    the table always equals what a full refresh builds.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['natural_key', 'loaded_at', 'row_hash'],
        on_schema_change='fail',
        indexes=[{'columns': ['natural_key']}, {'columns': ['loaded_at']}, {'columns': ['dbt_loaded_at']}],
        post_hook=[
            "{{ delete_rows_of_withdrawn_loads(this) }}",
        ],
    )
}}

-- depends_on: {{ ref('stg_batches') }} (the post-hook's list of loads)
{%- set columns = [
    'transaction_id', 'account_id', 'customer_id', 'merchant_id', 'transaction_time', 'amount',
    'currency', 'transaction_type', 'channel', 'card_present', 'status', 'decline_reason',
    'fee_amount', 'device_id', 'ip_country', 'description', 'is_fraud', 'created_at',
] %}
{%- set judged_columns = ['natural_key'] + columns + ['is_code_repaired', 'batch_id', 'loaded_at', 'row_hash'] %}

with

-- not materialized (postgres): each is read twice (the verdicts and the held rows to judge
-- again); a materialized copy has no index and no statistics, and the planner's estimates
-- of the joins with it ran to trillions of rows
known_accounts as not materialized (

    select
        account_id,
        opened_date
    from {{ ref('registry_accounts') }}

),

known_customers as not materialized (

    select customer_id from {{ ref('registry_customers') }}

),

known_merchants as not materialized (

    select merchant_id from {{ ref('registry_merchants') }}

),

{% if is_incremental() -%}
-- held rows whose verdict a grown registry could change (one pass over the rows held)
flagged as materialized (

    select
        natural_key,
        loaded_at,
        rejection_reason,
        is_merchant_known,
        account_id,
        customer_id,
        merchant_id,
        transaction_time
    from {{ this }}
    where
        rejection_reason in ('orphan_account', 'orphan_customer', 'before_account_opened')
        or is_merchant_known = false

),

-- those the registries now change: an orphan whose account or customer is known, a row
-- dated before its account's opening date that is no longer before it, an unknown
-- merchant now known. A flagged row whose parent is still missing would be judged the
-- same again: it is not read
reopened as materialized (

    select
        flagged.natural_key,
        flagged.loaded_at
    from flagged
    left join known_accounts
        on flagged.account_id = known_accounts.account_id
    left join known_customers
        on flagged.customer_id = known_customers.customer_id
    left join known_merchants
        on flagged.merchant_id = known_merchants.merchant_id
    where
        flagged.rejection_reason = 'orphan_account' and known_accounts.account_id is not null
        or flagged.rejection_reason = 'orphan_customer' and known_customers.customer_id is not null
        or flagged.rejection_reason = 'before_account_opened'
        and known_accounts.opened_date <= cast(flagged.transaction_time as date)
        or flagged.is_merchant_known = false and known_merchants.merchant_id is not null

),

{% endif -%}
cleaned as (

    select
        {%- for column in judged_columns %}
        {{ column }},
        {%- endfor %}
        rejection_reason,
        raw_row,
        raw_row_changes
    from {{ ref('clean_transactions') }}
    {% if is_incremental() %}
    where {{ after_newest_held_load('loaded_at') }}

    union all

    -- the held rows to judge again (reopened), with every other row of their key and
    -- load: a row that becomes accepted must be compared with its rivals
    select
        {%- for column in judged_columns %}
        {{ column }},
        {%- endfor %}
        case
            when
                rejection_reason in (
                    {%- for reason in silver_value_rejection_reasons() %}
                    '{{ reason }}'{% if not loop.last %},{% endif %}
                    {%- endfor %}
                )
                then rejection_reason
        end as rejection_reason,
        raw_row,
        -- not kept: a held row keeps its raw row only when it was rejected
        cast(null as jsonb) as raw_row_changes
    from {{ this }} as held
    -- = any(array): one lookup of the natural_key index per key to judge again, not a
    -- join with every row held
    where
        held.natural_key = any(array(select reopened.natural_key from reopened))
        and exists (
            select 1
            from reopened
            where
                reopened.natural_key = held.natural_key
                and reopened.loaded_at = held.loaded_at
        )
    {% endif %}

),

judged as (

    select
        {{ judged_input_columns(columns) }}
        case
            when cleaned.merchant_id is not null then known_merchants.merchant_id is not null
        end as is_merchant_known,
        case
            -- a fault of the row's own comes first
            when cleaned.rejection_reason is not null
                then cleaned.rejection_reason
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
    left join known_accounts
        on cleaned.account_id = known_accounts.account_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id
    left join known_merchants
        on cleaned.merchant_id = known_merchants.merchant_id

),

-- two accepted rows of one key in one load that say different things (conflicting_duplicate):
-- the latest record (created_at) wins
verdicts as (

    select
        judged.*,
        {{ conflicting_duplicate_verdict('transaction_id', 'created_at desc') }} as verdict
    from judged

),

final as (

    select
        {{ judged_output_columns(columns, flags=['is_merchant_known']) }},
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from verdicts

)

select * from final
