-- Every dimension holds its unknown member (key -1), so a missing reference always joins.
with members as (

    select
        'dim_customer' as dimension_name,
        count(*) as unknown_rows
    from {{ ref('dim_customer') }}
    where customer_key = {{ unknown_member_key() }}
    union all
    select
        'dim_merchant' as dimension_name,
        count(*) as unknown_rows
    from {{ ref('dim_merchant') }}
    where merchant_key = {{ unknown_member_key() }}
    union all
    select
        'dim_product' as dimension_name,
        count(*) as unknown_rows
    from {{ ref('dim_product') }}
    where product_key = {{ unknown_member_key() }}
    union all
    select
        'dim_date' as dimension_name,
        count(*) as unknown_rows
    from {{ ref('dim_date') }}
    where date_key = {{ unknown_member_key() }}

)

select *
from members
where unknown_rows <> 1
