{#
    Every bronze marketing_campaigns row, cleaned and judged: one row per bronze row. stg_marketing_campaigns
    keeps the accepted rows (rejection_reason is null) and deduplicates them;
    rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'marketing_campaigns') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

known_products as (

    select product_id from {{ ref('registry_products') }}

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
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
            when
                cleaned.offer_product_id is not null and known_products.product_id is null
                then 'orphan_product'
        end as rejection_reason
    from cleaned
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id
    left join known_products
        on cleaned.offer_product_id = known_products.product_id

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

-- two accepted rows of one key in one load that say different things
-- (conflicting_duplicate): no column says which came later, so the content hash
-- decides and the other is rejected.
-- The same content twice is a duplicate, which staging removes
verdicts as (

    select
        hashed.*,
        {{ conflicting_duplicate_verdict('campaign_id, customer_id') }} as verdict
    from hashed

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
        -- verdict
        verdict as rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when verdict is not null then raw_row end as raw_row
    from verdicts

)

select * from final
