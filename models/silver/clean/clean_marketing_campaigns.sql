{#
    Every bronze marketing_campaigns row, cleaned and judged by its own values: one row
    per bronze row. rejection_reason is the first rule of the row's own that it breaks,
    NULL when it breaks none; whether its customer and offered product are known is
    judged after, in judged_marketing_campaigns, which may still reject the row. It
    reads nothing but its source, so it runs beside the other clean_* models. A table,
    rebuilt each run. It keeps the whole raw row of the rows it rejects and, of the
    others, only the text values cleaning changed (raw_row_changes), from which
    judged_marketing_campaigns rebuilds the raw row of a row it rejects.
#}
{#- bronze's text columns, the only ones cleaning changes -#}
{%- set text_columns = [
    'campaign_id', 'campaign_name', 'campaign_type', 'channel', 'offer_product_id', 'customer_id',
    'assignment_group',
] %}

with

source as (

    select * from {{ source('bronze', 'marketing_campaigns') }}

),

cleaned as (

    select
        {{ clean_id('campaign_id') }} as campaign_id,
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ clean_code('campaign_type') }} as campaign_type,
        {{ clean_code('channel') }} as channel,
        {{ clean_id('offer_product_id') }} as offer_product_id,
        start_date,
        end_date,
        cost_per_contact,
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_code('assignment_group') }} as assignment_group,
        contacted_at,
        responded,
        converted,
        conversion_value,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('campaign_type') }} != campaign_type, false)
            or coalesce({{ clean_code('channel') }} != channel, false)
            or coalesce({{ clean_code('assignment_group') }} != assignment_group, false)
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
            when {{ id_too_long(['cleaned.campaign_id', 'cleaned.offer_product_id', 'cleaned.customer_id']) }}
                then 'value_too_long'
            when
                cleaned.campaign_id is null
                or cleaned.customer_id is null
                or cleaned.campaign_type is null
                or cleaned.assignment_group is null
                or cleaned.start_date is null
                then 'missing_required_field'
            when
                cleaned.campaign_type not in ('cross_sell', 'retention', 'activation', 'awareness')
                or cleaned.channel not in ('email', 'sms', 'push', 'phone', 'mail')
                or cleaned.assignment_group not in ('treatment', 'control')
                then 'invalid_code'
            when
                cleaned.cost_per_contact < 0
                or cleaned.conversion_value < 0
                then 'invalid_amount'
            when
                cleaned.end_date < cleaned.start_date
                then 'invalid_date_range'
        end as rejection_reason
    from cleaned

),

hashed as (

    select
        judged.*,
        {{ row_content_hash([
            'campaign_id',
            'campaign_name',
            'campaign_type',
            'channel',
            'offer_product_id',
            'start_date',
            'end_date',
            'cost_per_contact',
            'customer_id',
            'assignment_group',
            'contacted_at',
            'responded',
            'converted',
            'conversion_value',
        ]) }} as row_hash
    from judged

),

final as (

    select
        -- keys
        {{ dbt.concat(["coalesce(campaign_id, '')", "'|'", "coalesce(customer_id, '')"]) }} as natural_key,
        -- attributes
        campaign_id,
        campaign_name,
        campaign_type,
        channel,
        offer_product_id,
        start_date,
        end_date,
        cost_per_contact,
        customer_id,
        assignment_group,
        contacted_at,
        responded,
        converted,
        conversion_value,
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict of the row's own values (judged_marketing_campaigns adds the references)
        rejection_reason,
        -- the raw row: whole on a row rejected here; on a row accepted here, which
        -- judged_marketing_campaigns may still reject, only the text values cleaning changed
        case when rejection_reason is not null then raw_row end as raw_row,
        case
            when rejection_reason is null then {{ raw_row_changes(text_columns) }}
        end as raw_row_changes
    from hashed

)

select * from final
