with products as (

    select * from {{ ref('stg_products') }}

),

product_hierarchy as (

    select
        -- keys
        {{ gold_surrogate_key(['product_id']) }} as product_key,
        product_id,
        -- attributes: hierarchy line > category > type > product
        case
            when product_category = 'deposit' then 'Deposits'
            when product_category in ('credit', 'lending') then 'Credit & Lending'
            when product_category = 'investment' then 'Wealth'
            else 'Other'
        end as product_line,
        product_category,
        product_type,
        product_name,
        {{ dbt.concat(["product_category", "' > '", "product_type", "' > '", "product_name"]) }}
            as product_hierarchy_path,
        -- measures
        interest_rate,
        annual_fee,
        monthly_fee,
        min_balance,
        credit_limit_max,
        term_months,
        coalesce(annual_fee, 0) + 12 * coalesce(monthly_fee, 0) as yearly_fee_amount,
        -- flags
        is_active,
        product_category in ('credit', 'lending') as is_credit_product,
        term_months is not null as is_term_product,
        coalesce(annual_fee, 0) + coalesce(monthly_fee, 0) > 0 as has_fees,
        -- dates and timestamps
        launched_date,
        {{ to_utc_timestamp('updated_at') }} as source_updated_at
    from products

),

special_members as (

    select
        {{ unknown_member_key() }} as member_key,
        'UNKNOWN' as member_id,
        'Unknown' as member_label
    union all
    select
        {{ not_applicable_member_key() }} as member_key,
        'NOT_APPLICABLE' as member_id,
        'Not applicable' as member_label

),

special_rows as (

    select
        member_key as product_key,
        member_id as product_id,
        member_label as product_line,
        'unknown' as product_category,
        'unknown' as product_type,
        member_label as product_name,
        member_label as product_hierarchy_path,
        cast(null as {{ dbt.type_numeric() }}) as interest_rate,
        cast(null as {{ dbt.type_numeric() }}) as annual_fee,
        cast(null as {{ dbt.type_numeric() }}) as monthly_fee,
        cast(null as {{ dbt.type_numeric() }}) as min_balance,
        cast(null as {{ dbt.type_numeric() }}) as credit_limit_max,
        cast(null as {{ dbt.type_int() }}) as term_months,
        cast(null as {{ dbt.type_numeric() }}) as yearly_fee_amount,
        false as is_active,
        false as is_credit_product,
        false as is_term_product,
        false as has_fees,
        cast(null as date) as launched_date,
        cast(null as {{ dbt.type_timestamp() }}) as source_updated_at
    from special_members

),

final as (

    select * from product_hierarchy
    union all
    select * from special_rows

)

select * from final
