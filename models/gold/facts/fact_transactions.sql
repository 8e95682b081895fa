{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='transaction_id',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['transaction_id'], 'unique': true},
            {'columns': ['transaction_date']},
            {'columns': ['customer_key']},
            {'columns': ['customer_id']},
            {'columns': ['account_id']},
            {'columns': ['merchant_key']},
            {'columns': ['loaded_at']},
            {'columns': ['dbt_loaded_at']},
            {'columns': ['has_unresolved_reference']},
        ],
        post_hook=[
            "{{ delete_rows_missing_upstream(this, ref('stg_transactions'), 'transaction_id') }}"
        ],
    )
}}

{#- An incremental run reads, through indexes, only the staged rows that can give a row
    the fact does not hold as it would compute it now:
    - every row stg_transactions wrote since the fact's latest write (its dbt_loaded_at):
      new and late loads, re-sends, rows accepted late once their parent arrived (they keep
      their original load time). stg_transactions stamps every row it inserts or rewrites,
      and it runs before the fact, so the fact has read every staged row written up to its
      latest write: the rows not read are held as the fact last computed them;
    - rows loaded after the newest load time held (minus the load lookback): the same rows
      in a normal run, kept so the var still widens the read;
    - the last days of events (the event lookback: their customer version may have
      changed), found in the fact itself through its transaction_date index: the staged
      rows not written since are held with the same event time;
    - facts that met an unknown member last time (late-arriving dimensions);
    - transactions named by fraud alerts loaded after the newest load held: an alert that
      arrives after its transaction changes its alert count and score. (An alert a reloaded
      batch no longer sends leaves no row to find: the count of its transaction keeps it
      until a full refresh.)
    Of these it writes only the rows that differ from the ones held (macros/
    gold_incremental_reads.sql), so a run without new data writes next to nothing. Staged
    rows withdrawn since are deleted by the post-hook, which counts both tables first. -#}
{%- set load_lookback_hours = var('fact_transactions_load_lookback_hours', 0) %}
{%- set event_lookback_days = var('fact_transactions_event_lookback_days', 3) %}
{%- set epoch = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}

{#- The watermarks are read before the model's query and written into it as literals, so
    the planner sees how few rows are past them (the statistics are fresh: incremental
    models analyze themselves) and reads them through the indexes. Each max() is taken
    from the end of an index; the newest event held is on the newest day held. An empty
    target reads all. -#}
{%- set watermark = {} %}
{%- if is_incremental() and execute %}
{%- set watermark_query %}
    with held_state as (

        select
            max(dbt_loaded_at) as last_written_at,
            max(loaded_at) as last_loaded_at,
            max(transaction_date) as last_transaction_date
        from {{ this }}

    )

    select
        cast(held_state.last_written_at as {{ dbt.type_string() }}) as last_written_at,
        cast(held_state.last_loaded_at as {{ dbt.type_string() }}) as last_loaded_at,
        cast(max(latest_day.transaction_at) as {{ dbt.type_string() }}) as last_transaction_at
    from held_state
    left join {{ this }} as latest_day
        on held_state.last_transaction_date = latest_day.transaction_date
    group by held_state.last_written_at, held_state.last_loaded_at
{%- endset %}
{%- set held = run_query(watermark_query).rows[0] %}
{%- set literals = {} %}
{%- for column in ['last_written_at', 'last_loaded_at', 'last_transaction_at'] %}
{%- set literal = "cast('" ~ held[column] ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
{%- do literals.update({column: epoch if held[column] is none else literal}) %}
{%- endfor %}
{%- do watermark.update({'last_written_at': literals.last_written_at}) %}
{%- do watermark.update({'loaded_after': dbt.dateadd('hour', -load_lookback_hours, literals.last_loaded_at)}) %}
{%- do watermark.update({'transacted_after': dbt.dateadd('day', -event_lookback_days, literals.last_transaction_at)}) %}
{%- endif %}

-- not materialized (postgres): an incremental run reads it twice, by key and through the
-- load-time indexes; a shared CTE would copy every staged row first
with transactions as not materialized (

    select * from {{ ref('stg_transactions') }}

),

account_history as (

    select * from {{ ref('snap_accounts') }}

),

fraud_alerts as (

    select * from {{ ref('stg_fraud_alerts') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

merchants as (

    select * from {{ ref('dim_merchant') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

{% if is_incremental() %}
read_keys as (

    select transactions.transaction_id
    from transactions
    where transactions.dbt_loaded_at > {{ watermark.last_written_at }}

    union

    select transactions.transaction_id
    from transactions
    where transactions.loaded_at > {{ from_utc_timestamp(watermark.loaded_after) }}

    union

    select held.transaction_id
    from {{ this }} as held
    where
        held.transaction_date >= cast({{ watermark.transacted_after }} as date)
        and held.transaction_at >= {{ watermark.transacted_after }}

    union

    -- transactions named by alerts loaded since (an alert that arrived after its
    -- transaction, or a new state of one): their alert count and score may have changed
    select fraud_alerts.transaction_id
    from fraud_alerts
    where fraud_alerts.loaded_at > {{ from_utc_timestamp(watermark.loaded_after) }}

    union

    -- facts that met an unknown member last time are retried: the dimension row may
    -- have arrived since (late-arriving dimension)
    select held.transaction_id
    from {{ this }} as held
    where held.has_unresolved_reference

),
{% endif %}

new_transactions as (

    select
        transactions.*,
        {{ to_utc_timestamp('transactions.transaction_time') }} as transaction_at,
        {{ to_utc_timestamp('transactions.created_at') }} as recorded_at,
        {{ to_utc_timestamp('transactions.loaded_at') }} as loaded_at_utc
    from transactions
    {% if is_incremental() %}
    inner join read_keys
        on transactions.transaction_id = read_keys.transaction_id
    {% endif %}

),

accounts as (

    -- one row per account ever seen, deleted accounts included. Product and opening date
    -- do not change over an account's life, so they come from its earliest version that
    -- has them: later versions (or one extract with a missing value) cannot change them,
    -- and a full refresh resolves old transactions exactly as the incremental runs did
    select
        account_id,
        {{ first_present_value('product_id', 'account_id', 'dbt_valid_from') }} as product_id,
        min(opened_date) over (partition by account_id) as opened_date,
        row_number() over (partition by account_id order by dbt_valid_from desc) as version_rank
    from account_history

),

alerts_per_transaction as (

    select
        transaction_id,
        count(*) as fraud_alert_count,
        max(rule_score) as max_alert_rule_score
    from fraud_alerts
    group by transaction_id

),

joined as (

    select
        new_transactions.*,
        customers.customer_key as resolved_customer_key,
        customers.country as customer_country,
        merchants.merchant_key as resolved_merchant_key,
        merchants.country as merchant_country,
        merchants.is_high_risk as is_high_risk_merchant,
        merchants.is_online as is_online_merchant,
        accounts.product_id,
        accounts.opened_date as account_opened_date,
        products.product_key as resolved_product_key,
        dates.date_key as resolved_date_key,
        alerts_per_transaction.fraud_alert_count,
        alerts_per_transaction.max_alert_rule_score
    from new_transactions
    -- point in time: the customer version valid when the transaction happened, half-open
    left join customers
        on
            new_transactions.customer_id = customers.customer_id
            and new_transactions.transaction_at >= customers.valid_from
            and new_transactions.transaction_at < customers.valid_to
    left join merchants
        on new_transactions.merchant_id = merchants.merchant_id
    left join accounts
        on
            new_transactions.account_id = accounts.account_id
            and accounts.version_rank = 1
    left join products
        on accounts.product_id = products.product_id
    left join dates
        on cast(new_transactions.transaction_at as date) = dates.calendar_date
    left join alerts_per_transaction
        on new_transactions.transaction_id = alerts_per_transaction.transaction_id

),

keyed as (

    select
        joined.*,
        {{ dimension_key('joined.resolved_customer_key') }} as customer_key,
        {{ dimension_key('joined.resolved_merchant_key', 'joined.merchant_id') }} as merchant_key,
        {{ dimension_key('joined.resolved_product_key') }} as product_key,
        {{ dimension_key('joined.resolved_date_key') }} as date_key,
        joined.status = 'approved' as is_approved,
        joined.amount < 0 as is_debit,
        cast(extract(hour from joined.transaction_at) as {{ dbt.type_int() }}) as transaction_hour
    from joined

),

computed as (

    select
        -- keys
        {{ gold_surrogate_key(['transaction_id']) }} as transaction_key,
        transaction_id,
        customer_key,
        merchant_key,
        product_key,
        date_key,
        account_id,
        customer_id,
        merchant_id,
        product_id,
        -- attributes
        transaction_type,
        channel,
        status as transaction_status,
        decline_reason,
        currency,
        ip_country,
        batch_id,
        -- measures
        amount as transaction_amount,
        abs(amount) as transaction_amount_abs,
        coalesce(fee_amount, 0) as fee_amount,
        abs(amount) + coalesce(fee_amount, 0) as gross_amount_abs,
        case when amount < 0 then -amount else 0 end as debit_amount,
        case when amount > 0 then amount else 0 end as credit_amount,
        case when is_approved then amount - coalesce(fee_amount, 0) else 0 end as balance_impact_amount,
        case when is_approved then abs(amount) else 0 end as approved_amount_abs,
        case when status = 'declined' then abs(amount) else 0 end as declined_amount_abs,
        case when is_fraud then abs(amount) else 0 end as fraud_amount_abs,
        case when transaction_type = 'refund' then abs(amount) else 0 end as refund_amount,
        1 as transaction_count,
        coalesce(fraud_alert_count, 0) as fraud_alert_count,
        max_alert_rule_score,
        transaction_hour,
        {{ iso_date_part('isodow', 'transaction_at') }} as transaction_day_of_week,
        cast(
            {{ dbt.datediff('transaction_at', 'recorded_at', 'second') }} as {{ dbt.type_bigint() }}  -- noqa: LT05
        ) as recording_lag_seconds,
        {{ dbt.datediff('account_opened_date', 'cast(transaction_at as date)', 'day') }} as account_age_days,  -- noqa: LT05
        -- flags
        coalesce(is_fraud, false) as is_fraud,
        is_approved,
        status = 'declined' as is_declined,
        status = 'reversed' as is_reversed,
        is_debit,
        amount > 0 as is_credit,
        coalesce(
            merchant_country <> customer_country or ip_country <> customer_country,
            false
        ) as is_international,
        currency <> 'USD' as is_foreign_currency,
        transaction_hour < 6 as is_night,
        {{ iso_date_part('isodow', 'transaction_at') }} in (6, 7) as is_weekend,
        coalesce(card_present, false) as is_card_present,
        channel in ('online', 'mobile') and not coalesce(card_present, false) as is_card_not_present,
        channel in ('online', 'mobile') as is_digital_channel,
        channel = 'atm' as is_atm,
        transaction_type in ('withdrawal', 'deposit') and channel in ('atm', 'branch') as is_cash,
        transaction_type = 'purchase' as is_purchase,
        -- the customer's own transactions: not a fee, a merchant's refund or a posting the
        -- bank makes itself (salary, standing order, repayment, closure; by description)
        transaction_type not in ('fee', 'refund')
        and coalesce(upper(description), '') not in (
            {%- for posting in var('bank_posting_descriptions') %}
            '{{ posting | upper }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as is_customer_initiated,
        transaction_type = 'refund' as is_refund,
        transaction_type = 'fee' as is_fee_transaction,
        transaction_type in ('transfer_in', 'transfer_out') as is_transfer,
        merchant_id is not null as has_merchant,
        coalesce(fee_amount, 0) > 0 as has_fee,
        coalesce(fraud_alert_count, 0) > 0 as has_fraud_alert,
        coalesce(is_high_risk_merchant, false) as is_high_risk_merchant,
        coalesce(is_online_merchant, false) as is_online_merchant,
        abs(amount) >= {{ var('large_transaction_amount', 1000) }} as is_large_amount,
        customer_key = {{ unknown_member_key() }} as is_customer_unknown,
        merchant_key = {{ unknown_member_key() }} as is_merchant_unknown,
        product_key = {{ unknown_member_key() }} as is_product_unknown,
        customer_key = {{ unknown_member_key() }}
        or merchant_key = {{ unknown_member_key() }}
        or product_key = {{ unknown_member_key() }}
        or date_key = {{ unknown_member_key() }}
        -- an account extract without its opening date: a later extract may bring it
        or account_opened_date is null as has_unresolved_reference,
        -- dates and timestamps
        cast(transaction_at as date) as transaction_date,
        transaction_at,
        recorded_at,
        loaded_at_utc as loaded_at,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from keyed

),

final as (

    -- an incremental run writes only the rows that changed
    select computed.*
    from computed
    {% if is_incremental() -%}
    where {{ changed_from_held(this, 'computed', ['transaction_id']) }}
    {%- endif %}

)

select * from final
