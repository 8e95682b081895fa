{{ config(severity='warn', store_failures=true, tags=['source_finding']) }}
{#
    A source finding: a customer or account the latest extract sends with an updated_at
    older than the version its SCD2 history already holds (a stale re-send, a restore
    from backup). History never moves back in time: the snapshot keeps the newer version
    and gold follows it, while silver staging shows the row as the extract sent it. One
    row per such key; warns and keeps the rows in quality.<test name>.
#}
with

customers as (

    select * from {{ ref('stg_customers') }}

),

accounts as (

    select * from {{ ref('stg_accounts') }}

),

customer_history as (

    select * from {{ ref('snap_customers') }}

),

account_history as (

    select * from {{ ref('snap_accounts') }}

),

stale_customers as (

    select
        'customers' as source_table,
        customers.customer_id as natural_key,
        {{ to_utc_timestamp('customers.updated_at') }} as extract_updated_at,
        customer_history.updated_at as history_updated_at
    from customers
    inner join customer_history
        on
            customers.customer_id = customer_history.customer_id
            and customer_history.dbt_valid_to = {{ scd_far_future() }}
    where {{ to_utc_timestamp('customers.updated_at') }} < customer_history.updated_at

),

stale_accounts as (

    select
        'accounts' as source_table,
        accounts.account_id as natural_key,
        {{ to_utc_timestamp('accounts.updated_at') }} as extract_updated_at,
        account_history.updated_at as history_updated_at
    from accounts
    inner join account_history
        on
            accounts.account_id = account_history.account_id
            and account_history.dbt_valid_to = {{ scd_far_future() }}
    where {{ to_utc_timestamp('accounts.updated_at') }} < account_history.updated_at

),

final as (

    select * from stale_customers
    union all
    select * from stale_accounts

)

select * from final
