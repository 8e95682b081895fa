{#
    Every bronze loan_payments row, cleaned and judged by its own values: one row per
    bronze row. rejection_reason is the first rule of the row's own that it breaks, NULL
    when it breaks none; whether its account and customer are known is judged after, in
    judged_loan_payments, which may still reject the row. It reads nothing but its
    source, so it runs beside the other clean_* models. A table, rebuilt each run. It
    keeps the whole raw row of the rows it rejects and, of the others, only the text
    values cleaning changed (raw_row_changes), from which judged_loan_payments rebuilds
    the raw row of a row it rejects.
#}
{#- bronze's text columns, the only ones cleaning changes -#}
{%- set text_columns = [
    'payment_id', 'account_id', 'customer_id', 'payment_status',
] %}

with

source as (

    select * from {{ source('bronze', 'loan_payments') }}

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
        -- the text values as bronze sent them, for raw_row_changes
        {%- for column in text_columns %}
        {{ column }} as raw_{{ column }},
        {%- endfor %}
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
        end as rejection_reason
    from cleaned

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
        -- verdict of the row's own values (judged_loan_payments adds the references)
        rejection_reason,
        -- the raw row: whole on a row rejected here; on a row accepted here, which
        -- judged_loan_payments may still reject, only the text values cleaning changed
        case when rejection_reason is not null then raw_row end as raw_row,
        case
            when rejection_reason is null then {{ raw_row_changes(text_columns) }}
        end as raw_row_changes
    from hashed

)

select * from final
