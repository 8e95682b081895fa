{#
    Every bronze loan_payments row, cleaned and judged: one row per bronze row. stg_loan_payments
    keeps the accepted rows (rejection_reason is null) and deduplicates them;
    rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'loan_payments') }}

),

known_accounts as (

    select account_id from {{ ref('registry_accounts') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

cleaned as (

    select
        {{ clean_id('payment_id') }} as payment_id,
        {{ clean_id('account_id') }} as account_id,
        {{ clean_id('customer_id') }} as customer_id,
        installment_number,
        due_date,
        payment_date,
        scheduled_amount,
        paid_amount,
        principal_amount,
        interest_amount,
        late_fee,
        days_past_due,
        {{ clean_code('payment_status') }} as payment_status,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('payment_status') }} != payment_status, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

judged as (

    select
        cleaned.*,
        case
            when {{ id_too_long(['cleaned.payment_id', 'cleaned.account_id', 'cleaned.customer_id']) }}
                then 'value_too_long'
            when
                cleaned.payment_id is null
                or cleaned.account_id is null
                or cleaned.customer_id is null
                or cleaned.installment_number is null
                or cleaned.due_date is null
                or cleaned.scheduled_amount is null
                or cleaned.payment_status is null
                then 'missing_required_field'
            when
                cleaned.payment_status not in ('on_time', 'late', 'partial', 'missed')
                then 'invalid_code'
            when
                cleaned.scheduled_amount <= 0
                or cleaned.paid_amount < 0
                or cleaned.principal_amount < 0
                or cleaned.interest_amount < 0
                or cleaned.late_fee < 0
                then 'invalid_amount'
            when
                cleaned.installment_number < 1
                or cleaned.days_past_due < 0
                then 'invalid_value'
            when
                cleaned.account_id is not null and known_accounts.account_id is null
                then 'orphan_account'
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
        end as rejection_reason
    from cleaned
    left join known_accounts
        on cleaned.account_id = known_accounts.account_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id

),

hashed as (

    select
        judged.*,
        {{ row_content_hash([
            'payment_id',
            'account_id',
            'customer_id',
            'installment_number',
            'due_date',
            'payment_date',
            'scheduled_amount',
            'paid_amount',
            'principal_amount',
            'interest_amount',
            'late_fee',
            'days_past_due',
            'payment_status',
        ]) }} as row_hash
    from judged

),

-- two accepted rows of one key in one load that say different things
-- (conflicting_duplicate): the later payment date wins.
-- The same content twice is a duplicate, which staging removes
verdicts as (

    select
        hashed.*,
        {{ conflicting_duplicate_verdict('payment_id', 'payment_date desc nulls last') }} as verdict
    from hashed

),

final as (

    select
        -- keys
        payment_id as natural_key,
        -- attributes
        payment_id,
        account_id,
        customer_id,
        installment_number,
        due_date,
        payment_date,
        scheduled_amount,
        paid_amount,
        principal_amount,
        interest_amount,
        late_fee,
        days_past_due,
        payment_status,
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict
        verdict as rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when verdict is not null then raw_row end as raw_row
    from verdicts

)

select * from final
