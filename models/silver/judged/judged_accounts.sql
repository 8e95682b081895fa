{#
    Every row of clean_accounts with its references judged: whether the customer and the
    product it names are known to silver (registry_customers, registry_products). An
    account is master data, so an unknown parent is a flag, never a rejection: the row
    stays so its transactions are not orphaned, and the verdict is clean_accounts'.
    stg_accounts keeps the accepted rows and deduplicates them; reconciliation counts the
    flags of the rows it keeps. A table, rebuilt each run.
#}
with

clean_accounts as (

    select * from {{ ref('clean_accounts') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

known_products as (

    select product_id from {{ ref('registry_products') }}

),

final as (

    select
        -- keys
        clean_accounts.natural_key,
        -- attributes
        clean_accounts.account_id,
        clean_accounts.customer_id,
        clean_accounts.product_id,
        clean_accounts.account_type,
        clean_accounts.account_status,
        clean_accounts.currency,
        clean_accounts.opened_date,
        clean_accounts.closed_date,
        clean_accounts.opening_balance,
        clean_accounts.current_balance,
        clean_accounts.credit_limit,
        clean_accounts.interest_rate,
        clean_accounts.created_at,
        clean_accounts.updated_at,
        -- flags
        clean_accounts.is_complete,
        case
            when clean_accounts.customer_id is not null then known_customers.customer_id is not null
        end as is_customer_known,
        case
            when clean_accounts.product_id is not null then known_products.product_id is not null
        end as is_product_known,
        clean_accounts.is_code_repaired,
        -- lineage
        clean_accounts.batch_id,
        clean_accounts.loaded_at,
        clean_accounts.row_hash,
        -- verdict
        clean_accounts.rejection_reason,
        clean_accounts.raw_row
    from clean_accounts
    left join known_customers
        on clean_accounts.customer_id = known_customers.customer_id
    left join known_products
        on clean_accounts.product_id = known_products.product_id

)

select * from final
