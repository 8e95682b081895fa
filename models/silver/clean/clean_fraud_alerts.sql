{#
    Every bronze fraud_alerts row, cleaned and judged by its own values and its batch:
    one row per bronze row. rejection_reason is the first rule of the row's own that it
    breaks, NULL when it breaks none; whether its transaction and customer are known is
    judged after, in judged_fraud_alerts, which may still reject the row. It reads
    nothing but its source and stg_batches, so it runs beside the other clean_* models.
    A table, rebuilt each run. It keeps the whole raw row of the rows it rejects and, of
    the others, only the text values cleaning changed (raw_row_changes), from which
    judged_fraud_alerts rebuilds the raw row of a row it rejects.
#}
{#- bronze's text columns, the only ones cleaning changes -#}
{%- set text_columns = [
    'alert_id', 'transaction_id', 'customer_id', 'alert_type', 'severity', 'alert_status',
] %}

with

source as (

    select * from {{ source('bronze', 'fraud_alerts') }}

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
        {{ clean_id('alert_id') }} as alert_id,
        {{ clean_id('transaction_id') }} as transaction_id,
        {{ clean_id('customer_id') }} as customer_id,
        alert_time,
        {{ clean_code('alert_type') }} as alert_type,
        {{ clean_code('severity') }} as severity,
        rule_score,
        {{ clean_code('alert_status') }} as alert_status,
        resolved_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('alert_type') }} != alert_type, false)
            or coalesce({{ clean_code('severity') }} != severity, false)
            or coalesce({{ clean_code('alert_status') }} != alert_status, false)
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
            when {{ id_too_long(['cleaned.alert_id', 'cleaned.transaction_id', 'cleaned.customer_id']) }}
                then 'value_too_long'
            when
                cleaned.alert_id is null
                or cleaned.transaction_id is null
                or cleaned.customer_id is null
                or cleaned.alert_time is null
                or cleaned.alert_type is null
                or cleaned.alert_status is null
                then 'missing_required_field'
            when
                cleaned.alert_type not in ('velocity', 'amount', 'geo', 'merchant_risk', 'night_cnp')
                or cleaned.severity not in ('low', 'medium', 'high', 'critical')
                or cleaned.alert_status not in ('confirmed_fraud', 'false_positive', 'open')
                then 'invalid_code'
            when
                cleaned.rule_score not between 0 and 100
                then 'invalid_value'
            when
                cleaned.alert_time > coalesce(batches.as_of, cleaned.loaded_at)
                then 'future_timestamp'
            when
                cleaned.alert_time < {{ data_start_at() }}
                then 'before_data_start'
            when
                cleaned.resolved_at < cleaned.alert_time
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
            'alert_id',
            'transaction_id',
            'customer_id',
            'alert_time',
            'alert_type',
            'severity',
            'rule_score',
            'alert_status',
            'resolved_at',
        ]) }} as row_hash
    from judged

),

final as (

    select
        -- keys
        alert_id as natural_key,
        -- attributes
        alert_id,
        transaction_id,
        customer_id,
        alert_time,
        alert_type,
        severity,
        rule_score,
        alert_status,
        resolved_at,
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict of the row's own values (judged_fraud_alerts adds the references)
        rejection_reason,
        -- the raw row: whole on a row rejected here; on a row accepted here, which
        -- judged_fraud_alerts may still reject, only the text values cleaning changed
        case when rejection_reason is not null then raw_row end as raw_row,
        case
            when rejection_reason is null then {{ raw_row_changes(text_columns) }}
        end as raw_row_changes
    from hashed

)

select * from final
