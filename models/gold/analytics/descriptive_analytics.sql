{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed_rows',
        unique_key=['period_start_date', 'breakdown', 'breakdown_value'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['period_start_date', 'breakdown', 'breakdown_value'], 'unique': true},
            {'columns': ['breakdown']},
        ],
    )
}}

{#
    What happened: monthly KPIs overall and broken down by channel, transaction type,
    product category, merchant category and customer segment (transaction measures), and
    by account status (account measures). One long table so a report filters on breakdown.

    Incremental: the select returns the whole table (a few hundred rows) and the strategy
    (macros/gold_analytics_incremental.sql) rewrites only the rows that differ from those
    held. A transaction group (month, breakdown, value) is recomputed only when its
    transactions changed: it holds transaction_fingerprint, the sum over its transactions
    of a hash of the columns its measures read, and each run takes the same sums over the
    facts as they are now, per month and key, mapped to breakdown values through the
    dimensions as they are now (one narrow pass, no sort). A group whose row count or sum
    moved is recomputed from all its transactions (a count of distinct customers cannot be
    updated by difference); the others keep the measures held. Unlike a watermark, this
    finds transactions of any month that arrived late, changed, were re-keyed or withdrawn
    (a deleted fact leaves no trace), and members that moved to another value (dim_merchant
    keeps current attributes only: a merchant's category can change for its whole history,
    and does when an extract loses it). Exact up to a collision of 64-bit hash sums.
    Account measures are recomputed for every month on every run: the daily snapshot
    rewrites an account's days from any day on (a late transaction, a changed customer
    version, a new attribute) and its post-hook deletes days outside an account's window,
    and a deleted day leaves nothing to compare without reading every month again.
    Trends and shares are recomputed over the whole table.
#}

{%- set breakdowns = {
    'overall': {'value': "'all'", 'columns': []},
    'channel': {'value': 'channel', 'columns': ['channel']},
    'transaction_type': {'value': 'transaction_type', 'columns': ['transaction_type']},
    'product_category': {'value': 'product_category', 'columns': ['product_key'], 'key': 'product_key'},
    'merchant_category': {
        'value': "case when has_merchant then merchant_category else 'no_merchant' end",
        'columns': ['merchant_key', 'has_merchant'],
        'key': 'merchant_key',
    },
    'customer_segment': {'value': 'customer_segment', 'columns': ['customer_key'], 'key': 'customer_key'},
} %}
{#- how the transactions of a changed group are found: by key for values read through a
    dimension (the key's changed months, changed_keys), by value for the others -#}
{%- for spec in breakdowns.values() %}
{%- if 'key' in spec %}
{%- do spec.update({'member': spec['key'], 'changed': 'changed_keys', 'changed_member': spec['key']}) %}
{%- else %}
{%- do spec.update({
    'member': "coalesce(cast(" ~ spec['value'] ~ " as " ~ dbt.type_string() ~ "), 'unknown')",
    'changed': 'changed_groups',
    'changed_member': 'breakdown_value',
}) %}
{%- endif %}
{%- endfor %}
{#- the month of a date, truncated as a timestamp without time zone: postgres would cast a
    bare date to timestamptz and truncate in the session's time zone, a third of the time
    of the account aggregate over every day held -#}
{%- set transaction_month = "cast(" ~ dbt.date_trunc(
    'month', "cast(transaction_date as " ~ dbt.type_timestamp() ~ ")"
) ~ " as date)" %}
{%- set snapshot_month = "cast(" ~ dbt.date_trunc(
    'month', "cast(snapshot_date as " ~ dbt.type_timestamp() ~ ")"
) ~ " as date)" %}

-- not materialized (postgres): read twice, it would be copied whole
with transactions as not materialized (

    select * from {{ ref('fact_transactions') }}

),

-- the dimensions are read twice too; inlined, the planner keeps their statistics (a
-- copied CTE has none, and its guesses turn the recomputation into an index walk)
customers as not materialized (

    select * from {{ ref('dim_customer') }}

),

merchants as not materialized (

    select * from {{ ref('dim_merchant') }}

),

products as not materialized (

    select * from {{ ref('dim_product') }}

),

account_days as (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

held_groups as (

    -- the transaction groups held, with their measures and fingerprints (none when the
    -- table held predates them: the first run recomputes every group; a unit test's
    -- `this` is a fixture, not a relation)
    {% if is_incremental() and (
        this is string
        or 'ticket_transaction_count' in adapter.get_columns_in_relation(this) | map(attribute='name')
    ) -%}
    select
        period_start_date,
        breakdown,
        breakdown_value,
        transaction_count,
        approved_transaction_count,
        transaction_value_amount,
        approved_value_amount,
        active_customers,
        fee_revenue_amount,
        fraud_transaction_count,
        fraud_amount,
        declined_transaction_count,
        ticket_transaction_count,
        ticket_value_amount,
        transaction_fingerprint
    from {{ this }}
    where breakdown <> 'account_status'
    {%- else -%}
    select
        cast(null as date) as period_start_date,
        cast(null as {{ dbt.type_string() }}) as breakdown,
        cast(null as {{ dbt.type_string() }}) as breakdown_value,
        cast(null as {{ dbt.type_bigint() }}) as transaction_count,
        cast(null as {{ dbt.type_bigint() }}) as approved_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as transaction_value_amount,
        cast(null as {{ dbt.type_numeric() }}) as approved_value_amount,
        cast(null as {{ dbt.type_bigint() }}) as active_customers,
        cast(null as {{ dbt.type_numeric() }}) as fee_revenue_amount,
        cast(null as {{ dbt.type_bigint() }}) as fraud_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as fraud_amount,
        cast(null as {{ dbt.type_bigint() }}) as declined_transaction_count,
        cast(null as {{ dbt.type_bigint() }}) as ticket_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as ticket_value_amount,
        -- a sum of 64-bit hashes: numeric without a scale (dbt's numeric type has 22 digits)
        cast(null as numeric) as transaction_fingerprint
    where false
    {%- endif %}

),

-- not materialized (postgres): read by the fingerprints (every row) and by the
-- recomputation (the rows of changed groups), inlined in both
transaction_months as not materialized (

    -- the hash covers every column a measure reads; the group a row falls in (month,
    -- channel, type, keys) is not hashed: moving a row moves its hash to another group
    select
        *,
        {{ transaction_month }} as period_start_date,
        {{ row_hash([
            'customer_id', 'is_approved', 'is_declined', 'is_fraud', 'is_fee_transaction',
            'is_customer_initiated', 'transaction_amount_abs', 'approved_amount_abs', 'fraud_amount_abs', 'fee_amount',
        ]) }} as transaction_hash
    from transactions

),

key_groups as (

    -- per month and each breakdown's grouping columns, the rows and their hash sum: one
    -- pass over the facts, hashed, with no join
    select
        period_start_date,
        case
            {%- for breakdown, spec in breakdowns.items() if spec['columns'] %}
            when grouping({{ spec['columns'][0] }}) = 0 then '{{ breakdown }}'
            {%- endfor %}
            else 'overall'
        end as breakdown,
        channel,
        transaction_type,
        has_merchant,
        merchant_key,
        product_key,
        customer_key,
        count(*) as transaction_count,
        sum(transaction_hash) as transaction_fingerprint
    from transaction_months
    group by grouping sets (
        {%- for spec in breakdowns.values() %}
        ({{ (['period_start_date'] + spec['columns']) | join(', ') }}){{ ',' if not loop.last }}
        {%- endfor %}
    )

),

key_attributes as (

    -- the dimensions as they are now
    select
        key_groups.*,
        products.product_category,
        merchants.category as merchant_category,
        customers.customer_segment
    from key_groups
    left join customers
        on key_groups.customer_key = customers.customer_key
    left join merchants
        on key_groups.merchant_key = merchants.merchant_key
    left join products
        on key_groups.product_key = products.product_key

),

key_values as (

    select
        period_start_date,
        breakdown,
        merchant_key,
        product_key,
        customer_key,
        case breakdown
            {%- for breakdown, spec in breakdowns.items() %}
            when '{{ breakdown }}' then coalesce(cast({{ spec['value'] }} as {{ dbt.type_string() }}), 'unknown')
            {%- endfor %}
        end as breakdown_value,
        transaction_count,
        transaction_fingerprint
    from key_attributes

),

current_groups as (

    select
        period_start_date,
        breakdown,
        breakdown_value,
        sum(transaction_count) as transaction_count,
        sum(transaction_fingerprint) as transaction_fingerprint
    from key_values
    group by
        period_start_date,
        breakdown,
        breakdown_value

),

kept_groups as (

    -- held groups whose transactions are the same now: their measures are kept
    select held_groups.*
    from held_groups
    inner join current_groups
        on
            held_groups.period_start_date = current_groups.period_start_date
            and held_groups.breakdown = current_groups.breakdown
            and held_groups.breakdown_value = current_groups.breakdown_value
            and held_groups.transaction_count = current_groups.transaction_count
            and held_groups.transaction_fingerprint = current_groups.transaction_fingerprint

),

changed_groups as (

    -- every other group that exists now (all of them on a full refresh); groups held that
    -- no longer exist are not selected, so the strategy deletes them
    select
        current_groups.period_start_date,
        current_groups.breakdown,
        current_groups.breakdown_value
    from current_groups
    left join kept_groups
        on
            current_groups.period_start_date = kept_groups.period_start_date
            and current_groups.breakdown = kept_groups.breakdown
            and current_groups.breakdown_value = kept_groups.breakdown_value
    where kept_groups.breakdown is null

),

changed_keys as (

    -- the member keys of changed groups whose value comes from a dimension, so their
    -- transactions are found by key before any join
    select
        key_values.period_start_date,
        key_values.breakdown,
        key_values.merchant_key,
        key_values.product_key,
        key_values.customer_key
    from key_values
    inner join changed_groups
        on
            key_values.period_start_date = changed_groups.period_start_date
            and key_values.breakdown = changed_groups.breakdown
            and key_values.breakdown_value = changed_groups.breakdown_value

),

changed_transactions as (

    -- the transactions of at least one changed group (hashed lookups, one per breakdown):
    -- by key for the values read through a dimension, by value for the others
    select *
    from transaction_months
    where
        {%- for breakdown, spec in breakdowns.items() %}
        {%- if not loop.first %}
        or
        {%- endif %}
        (period_start_date, {{ spec['member'] }}) in (
            select
                {{ spec['changed'] }}.period_start_date,
                {{ spec['changed'] }}.{{ spec['changed_member'] }}
            from {{ spec['changed'] }}
            where {{ spec['changed'] }}.breakdown = '{{ breakdown }}'
        )
    {%- endfor %}

),

enriched as (

    -- only the columns the breakdowns read: every breakdown reads this CTE, so postgres
    -- stores it once, and narrow
    select
        changed_transactions.customer_id,
        changed_transactions.channel,
        changed_transactions.transaction_type,
        changed_transactions.has_merchant,
        changed_transactions.is_approved,
        changed_transactions.is_declined,
        changed_transactions.is_fraud,
        changed_transactions.is_fee_transaction,
        changed_transactions.is_customer_initiated,
        changed_transactions.transaction_amount_abs,
        changed_transactions.approved_amount_abs,
        changed_transactions.fraud_amount_abs,
        changed_transactions.fee_amount,
        changed_transactions.transaction_hash,
        changed_transactions.period_start_date,
        products.product_category,
        merchants.category as merchant_category,
        customers.customer_segment
    from changed_transactions
    left join customers
        on changed_transactions.customer_key = customers.customer_key
    left join merchants
        on changed_transactions.merchant_key = merchants.merchant_key
    left join products
        on changed_transactions.product_key = products.product_key

),

recomputed_groups as (

    -- each changed group from all its transactions
    {% for breakdown, spec in breakdowns.items() %}
    select
        period_start_date,
        '{{ breakdown }}' as breakdown,
        coalesce(cast({{ spec['value'] }} as {{ dbt.type_string() }}), 'unknown') as breakdown_value,
        count(*) as transaction_count,
        sum(case when is_approved then 1 else 0 end) as approved_transaction_count,
        sum(transaction_amount_abs) as transaction_value_amount,
        sum(approved_amount_abs) as approved_value_amount,
        count(distinct customer_id) as active_customers,
        sum(
            case
                when is_approved and is_fee_transaction then transaction_amount_abs
                when is_approved then fee_amount
                else 0
            end
        ) as fee_revenue_amount,
        sum(case when is_fraud then 1 else 0 end) as fraud_transaction_count,
        sum(fraud_amount_abs) as fraud_amount,
        sum(case when is_declined then 1 else 0 end) as declined_transaction_count,
        sum(case when is_approved and is_customer_initiated then 1 else 0 end) as ticket_transaction_count,
        sum(case when is_approved and is_customer_initiated then transaction_amount_abs else 0 end)
            as ticket_value_amount,
        sum(transaction_hash) as transaction_fingerprint
    from enriched
    where (
        period_start_date,
        coalesce(cast({{ spec['value'] }} as {{ dbt.type_string() }}), 'unknown')
    ) in (
        select
            changed_groups.period_start_date,
            changed_groups.breakdown_value
        from changed_groups
        where changed_groups.breakdown = '{{ breakdown }}'
    )
    group by
        period_start_date,
        breakdown,
        breakdown_value
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

transaction_kpis as (

    -- kept and recomputed groups have the same columns, in the same order
    select
        measured.period_start_date,
        measured.breakdown,
        measured.breakdown_value,
        measured.transaction_count,
        measured.approved_transaction_count,
        measured.transaction_value_amount,
        measured.approved_value_amount,
        measured.active_customers,
        measured.fee_revenue_amount,
        measured.fraud_transaction_count,
        measured.fraud_amount,
        measured.declined_transaction_count,
        measured.ticket_transaction_count,
        measured.ticket_value_amount,
        cast(null as {{ dbt.type_bigint() }}) as account_count,
        cast(null as {{ dbt.type_numeric() }}) as balance_amount,
        measured.transaction_fingerprint
    from (
        select * from kept_groups
        union all
        select * from recomputed_groups
    ) as measured

),

account_months as (

    -- one row per account and month: active if any day had a transaction, closed if it
    -- closed that month, and the balance of its last day in the month (the month end, or
    -- its last day when the account closed or the data end within the month: exactly one
    -- such day per account and month). A plain aggregate, no sort of every day. The
    -- other days (seven in eight at 1M) add nothing but the account-month, which its last
    -- day brings anyway: filtered out before the aggregate, they cost only their reading
    select
        account_id,
        {{ snapshot_month }} as period_start_date,
        max(case when has_activity then 1 else 0 end) as has_activity_in_month,
        max(case when is_closing_day then 1 else 0 end) as is_closed_in_month,
        max(case when is_month_end or is_last_day then closing_balance_amount end) as closing_balance_amount
    from account_days
    where
        has_activity
        or is_closing_day
        or is_month_end
        or is_last_day
    group by
        account_id,
        {{ snapshot_month }}

),

account_kpis as (

    -- status of each account in the month: closed in it, active (any transaction), or dormant
    select
        period_start_date,
        'account_status' as breakdown,
        case
            when is_closed_in_month = 1 then 'closed'
            when has_activity_in_month = 1 then 'active'
            else 'dormant'
        end as breakdown_value,
        cast(null as {{ dbt.type_bigint() }}) as transaction_count,
        cast(null as {{ dbt.type_bigint() }}) as approved_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as transaction_value_amount,
        cast(null as {{ dbt.type_numeric() }}) as approved_value_amount,
        cast(null as {{ dbt.type_bigint() }}) as active_customers,
        cast(null as {{ dbt.type_numeric() }}) as fee_revenue_amount,
        cast(null as {{ dbt.type_bigint() }}) as fraud_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as fraud_amount,
        cast(null as {{ dbt.type_bigint() }}) as declined_transaction_count,
        cast(null as {{ dbt.type_bigint() }}) as ticket_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as ticket_value_amount,
        count(*) as account_count,
        sum(closing_balance_amount) as balance_amount,
        cast(null as numeric) as transaction_fingerprint
    from account_months
    group by
        period_start_date,
        breakdown,
        breakdown_value

),

combined as (

    select * from transaction_kpis
    union all
    select * from account_kpis

),

with_trends as (

    -- over the whole table: a recomputed month moves the next month's change and its
    -- siblings' shares
    select
        combined.*,
        lag(combined.transaction_value_amount) over (
            partition by combined.breakdown, combined.breakdown_value
            order by combined.period_start_date
        ) as previous_value_amount,
        sum(combined.transaction_value_amount) over (
            partition by combined.breakdown, combined.period_start_date
        ) as period_total_value_amount,
        sum(combined.account_count) over (
            partition by combined.breakdown, combined.period_start_date
        ) as period_total_account_count
    from combined

),

final as (

    select
        -- keys
        period_start_date,
        breakdown,
        breakdown_value,
        -- attributes
        'month' as period_grain,
        {{ dbt.concat([
            "cast(extract(year from period_start_date) as " ~ dbt.type_string() ~ ")",
            "'-'",
            "lpad(cast(extract(month from period_start_date) as " ~ dbt.type_string() ~ "), 2, '0')",
        ]) }} as period_month,
        -- measures
        transaction_count,
        approved_transaction_count,
        transaction_value_amount,
        approved_value_amount,
        active_customers,
        ticket_transaction_count,
        ticket_value_amount,
        -- the customer's own approved transactions (fact_transactions.is_customer_initiated)
        cast(round(cast(ticket_value_amount / nullif(ticket_transaction_count, 0) as numeric), 2) as numeric(16, 2))
            as average_ticket_amount,
        fee_revenue_amount,
        fraud_transaction_count,
        fraud_amount,
        declined_transaction_count,
        round(cast({{ safe_ratio('declined_transaction_count', 'transaction_count') }} as numeric), 6) as decline_rate,
        round(cast({{ safe_ratio('fraud_transaction_count', 'transaction_count') }} as numeric), 6) as fraud_rate,
        round(cast({{ safe_ratio('transaction_value_amount', 'period_total_value_amount') }} as numeric), 6)
            as share_of_period_value,
        round(cast(
            {{ safe_ratio('transaction_value_amount - previous_value_amount', 'previous_value_amount') }}
            as numeric
        ), 6) as value_mom_change_pct,
        account_count,
        balance_amount,
        round(cast({{ safe_ratio('account_count', 'period_total_account_count') }} as numeric), 6) as share_of_accounts,
        -- change detection (incremental runs)
        transaction_fingerprint,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from with_trends

)

select * from final
