{#
    Every bronze credit_applications row, cleaned and judged: one row per bronze row. stg_credit_applications
    keeps the accepted rows (rejection_reason is null) and deduplicates them;
    rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'credit_applications') }}

),

-- the simulated extract time of each batch: later events are in the future
batches as (

    select
        batch_id,
        as_of
    from {{ source('bronze', 'batches') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

known_products as (

    select product_id from {{ ref('registry_products') }}

),

cleaned as (

    select
        {{ clean_id('application_id') }} as application_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('product_id') }} as product_id,
        application_time,
        requested_amount,
        term_months,
        declared_income,
        debt_to_income,
        credit_score,
        {{ clean_code('decision') }} as decision,
        {{ clean_code('decision_reason') }} as decision_reason,
        approved_amount,
        interest_rate,
        decision_time,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('decision') }} != decision, false)
            or coalesce({{ clean_code('decision_reason') }} != decision_reason, false)
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
            when {{ id_too_long(['cleaned.application_id', 'cleaned.customer_id', 'cleaned.product_id']) }}
                then 'value_too_long'
            when
                cleaned.application_id is null
                or cleaned.customer_id is null
                or cleaned.application_time is null
                or cleaned.requested_amount is null
                or cleaned.decision is null
                then 'missing_required_field'
            when
                cleaned.decision not in ('approved', 'declined', 'withdrawn')
                then 'invalid_code'
            when
                cleaned.requested_amount <= 0
                or cleaned.approved_amount < 0
                or cleaned.declared_income < 0
                then 'invalid_amount'
            when
                cleaned.credit_score not between 300 and 850
                or cleaned.debt_to_income < 0
                or cleaned.term_months <= 0
                then 'invalid_value'
            when
                cleaned.application_time > coalesce(batches.as_of, cleaned.loaded_at)
                then 'future_timestamp'
            when
                cleaned.application_time < {{ data_start_at() }}
                then 'before_data_start'
            when
                cleaned.decision_time < cleaned.application_time
                then 'invalid_date_range'
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
            when
                cleaned.product_id is not null and known_products.product_id is null
                then 'orphan_product'
        end as rejection_reason
    from cleaned
    left join batches
        on cleaned.batch_id = batches.batch_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id
    left join known_products
        on cleaned.product_id = known_products.product_id

),

hashed as (

    select
        judged.*,
        {{ row_content_hash([
            'application_id',
            'customer_id',
            'product_id',
            'application_time',
            'requested_amount',
            'term_months',
            'declared_income',
            'debt_to_income',
            'credit_score',
            'decision',
            'decision_reason',
            'approved_amount',
            'interest_rate',
            'decision_time',
        ]) }} as row_hash
    from judged

),

-- two accepted rows of one key in one load that say different things
-- (conflicting_duplicate): the later decision (decision_time) wins.
-- The same content twice is a duplicate, which staging removes
verdicts as (

    select
        hashed.*,
        {{ conflicting_duplicate_verdict('application_id', 'decision_time desc nulls last') }} as verdict
    from hashed

),

final as (

    select
        -- keys
        application_id as natural_key,
        -- attributes
        application_id,
        customer_id,
        product_id,
        application_time,
        requested_amount,
        term_months,
        declared_income,
        debt_to_income,
        credit_score,
        decision,
        decision_reason,
        approved_amount,
        interest_rate,
        decision_time,
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
