{#
    Every row of clean_loan_payments with its final verdict. A row its own values
    accepted is judged against what it refers to: an account or customer silver never
    staged (orphan_account, orphan_customer: not in registry_accounts,
    registry_customers); a fault of the row's own keeps the reason clean_loan_payments
    gave it, so it always comes first. Then the rows of one key and load still accepted
    are compared (conflicting_duplicate: the later payment date wins; the same content
    twice is a duplicate, which staging removes). stg_loan_payments keeps the accepted
    rows and deduplicates them; rejected_rows keeps the others with their raw row. A
    table, rebuilt each run: every reader shares one verdict per row.
#}
{%- set columns = [
    'payment_id', 'account_id', 'customer_id', 'installment_number', 'due_date', 'payment_date',
    'scheduled_amount', 'paid_amount', 'principal_amount', 'interest_amount', 'late_fee',
    'days_past_due', 'payment_status',
] %}

with

cleaned as (

    select * from {{ ref('clean_loan_payments') }}

),

known_accounts as (

    select account_id from {{ ref('registry_accounts') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

judged as (

    select
        cleaned.natural_key,
        {%- for column in columns %}
        cleaned.{{ column }},
        {%- endfor %}
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.row_hash,
        cleaned.raw_row,
        cleaned.raw_row_changes,
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
        end as rejection_reason
    from cleaned
    left join known_accounts
        on cleaned.account_id = known_accounts.account_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id

),

-- two accepted rows of one key in one load that say different things (conflicting_duplicate):
-- the later payment date wins
verdicts as (

    select
        judged.*,
        {{ conflicting_duplicate_verdict('payment_id', 'payment_date desc nulls last') }} as verdict
    from judged

),

final as (

    select
        -- keys
        natural_key,
        -- attributes
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict
        verdict as rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns.
        -- A row accepted by clean_loan_payments brings only the text values cleaning changed
        case when verdict is not null then coalesce(raw_row, {{ raw_row_rebuilt(columns) }}) end as raw_row
    from verdicts

)

select * from final
