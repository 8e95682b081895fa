{#
    Every bronze customer_interactions row, cleaned and judged by its own values and its
    batch: one row per bronze row. rejection_reason is the first rule of the row's own
    that it breaks, NULL when it breaks none; whether its customer is known is judged
    after, in judged_customer_interactions, which may still reject the row. It reads
    nothing but its source and stg_batches, so it runs beside the other clean_* models.
    A table, rebuilt each run. It keeps the whole raw row of the rows it rejects and, of
    the others, only the text values cleaning changed (raw_row_changes), from which
    judged_customer_interactions rebuilds the raw row of a row it rejects.
#}
{#- bronze's text columns, the only ones cleaning changes -#}
{%- set text_columns = [
    'interaction_id', 'customer_id', 'channel', 'interaction_type', 'reason', 'resolution_status',
] %}

with

source as (

    select * from {{ source('bronze', 'customer_interactions') }}

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
        {{ clean_id('interaction_id') }} as interaction_id,
        {{ clean_id('customer_id') }} as customer_id,
        interaction_time,
        {{ clean_code('channel') }} as channel,
        {{ clean_code('interaction_type') }} as interaction_type,
        {{ clean_code('reason') }} as reason,
        {{ clean_code('resolution_status') }} as resolution_status,
        handle_time_seconds,
        satisfaction_score,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('channel') }} != channel, false)
            or coalesce({{ clean_code('interaction_type') }} != interaction_type, false)
            or coalesce({{ clean_code('reason') }} != reason, false)
            or coalesce({{ clean_code('resolution_status') }} != resolution_status, false)
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
            when {{ id_too_long(['cleaned.interaction_id', 'cleaned.customer_id']) }}
                then 'value_too_long'
            when
                cleaned.interaction_id is null
                or cleaned.customer_id is null
                or cleaned.interaction_time is null
                or cleaned.interaction_type is null
                then 'missing_required_field'
            when
                cleaned.channel not in ('phone', 'chat', 'email', 'branch', 'app')
                or cleaned.interaction_type not in (
                    'complaint', 'inquiry', 'service_request', 'fee_dispute', 'fraud_report', 'compliment'
                )
                or cleaned.resolution_status not in ('resolved', 'pending', 'escalated')
                then 'invalid_code'
            when
                cleaned.handle_time_seconds < 0
                or cleaned.satisfaction_score not between 1 and 5
                then 'invalid_value'
            when
                cleaned.interaction_time > coalesce(batches.as_of, cleaned.loaded_at)
                then 'future_timestamp'
            when
                cleaned.interaction_time < {{ data_start_at() }}
                then 'before_data_start'
        end as rejection_reason
    from cleaned
    left join batches
        on cleaned.batch_id = batches.batch_id

),

hashed as (

    select
        judged.*,
        {{ row_content_hash([
            'interaction_id',
            'customer_id',
            'interaction_time',
            'channel',
            'interaction_type',
            'reason',
            'resolution_status',
            'handle_time_seconds',
            'satisfaction_score',
        ]) }} as row_hash
    from judged

),

final as (

    select
        -- keys
        interaction_id as natural_key,
        -- attributes
        interaction_id,
        customer_id,
        interaction_time,
        channel,
        interaction_type,
        reason,
        resolution_status,
        handle_time_seconds,
        satisfaction_score,
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict of the row's own values (judged_customer_interactions adds the references)
        rejection_reason,
        -- the raw row: whole on a row rejected here; on a row accepted here, which
        -- judged_customer_interactions may still reject, only the text values cleaning changed
        case when rejection_reason is not null then raw_row end as raw_row,
        case
            when rejection_reason is null then {{ raw_row_changes(text_columns) }}
        end as raw_row_changes
    from hashed

)

select * from final
