{#
    Every bronze credit_applications row, cleaned and judged by its own values and its
    batch: one row per bronze row. rejection_reason is the first rule of the row's own
    that it breaks, NULL when it breaks none; whether its customer and product are known
    is judged after, in judged_credit_applications, which may still reject the row. It
    reads nothing but its source and stg_batches, so it runs beside the other clean_*
    models. A table, rebuilt each run. It keeps the whole raw row of the rows it rejects
    and, of the others, only the text values cleaning changed (raw_row_changes), from
    which judged_credit_applications rebuilds the raw row of a row it rejects.
#}
{#- bronze's text columns, the only ones cleaning changes -#}
{%- set text_columns = [
    'application_id', 'customer_id', 'product_id', 'decision', 'decision_reason',
] %}

with

source as (

    select * from {{ source('bronze', 'credit_applications') }}

),

-- the simulated extract time of each batch: later events are in the future
batches as (

    select
        batch_id,
        as_of
    from {{ ref('stg_batches') }}

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
        end as rejection_reason
    from cleaned
    left join batches
        on cleaned.batch_id = batches.batch_id

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
        -- verdict of the row's own values (judged_credit_applications adds the references)
        rejection_reason,
        -- the raw row: whole on a row rejected here; on a row accepted here, which
        -- judged_credit_applications may still reject, only the text values cleaning changed
        case when rejection_reason is not null then raw_row end as raw_row,
        case
            when rejection_reason is null then {{ raw_row_changes(text_columns) }}
        end as raw_row_changes
    from hashed

)

select * from final
