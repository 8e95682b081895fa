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
        {{ judged_input_columns(columns) }}
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
        {{ judged_output_columns(columns) }}
    from verdicts

)

select * from final
