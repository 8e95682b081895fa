{{
    config(
        indexes=[
            {'columns': ['account_snapshot_key'], 'unique': true},
            {'columns': ['account_id', 'snapshot_date']},
            {'columns': ['date_key']},
            {'columns': ['customer_key']},
        ],
    )
}}

with accounts as (

    select * from {{ ref('stg_accounts') }}

),

transactions as (

    select * from {{ ref('fact_transactions') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

as_of as (

    -- the data's window: it starts on the first transaction day (or var data_start_date)
    -- and ends on the latest event or account change seen
    select
        {% if var('data_start_date', none) -%}
        cast('{{ var("data_start_date") }}' as date) as start_date,
        {%- else -%}
        (select min(transactions.transaction_date) from transactions) as start_date,
        {%- endif %}
        max(candidates.as_of_date) as as_of_date
    from (
        select max(transaction_date) as as_of_date from transactions
        union all
        select max(cast({{ to_utc_timestamp('updated_at') }} as date)) as as_of_date from accounts
    ) as candidates

),

account_periods as (

    select
        accounts.account_id,
        accounts.customer_id,
        accounts.product_id,
        accounts.account_type,
        accounts.currency,
        accounts.opened_date,
        accounts.closed_date,
        accounts.opening_balance,
        accounts.current_balance,
        accounts.credit_limit,
        -- the source generates no history before the window: for an account opened
        -- earlier, opening_balance is its balance on the window's first day
        case
            when accounts.opened_date < as_of.start_date then as_of.start_date
            else accounts.opened_date
        end as period_start_date,
        case
            when accounts.closed_date is not null and accounts.closed_date < as_of.as_of_date
                then accounts.closed_date
            else as_of.as_of_date
        end as period_end_date
    from accounts
    cross join as_of
    where accounts.opened_date <= as_of.as_of_date

),

daily_activity as (

    -- aggregate before joining; activity outside the covered period is booked on its
    -- first or last day so the balance still reconciles with the extract
    select
        account_periods.account_id,
        case
            when transactions.transaction_date < account_periods.period_start_date
                then account_periods.period_start_date
            when transactions.transaction_date > account_periods.period_end_date
                then account_periods.period_end_date
            else transactions.transaction_date
        end as activity_date,
        sum(case when transactions.is_approved then transactions.credit_amount else 0 end) as inflow_amount,
        sum(case when transactions.is_approved then transactions.debit_amount else 0 end) as outflow_amount,
        sum(case when transactions.is_approved then transactions.fee_amount else 0 end) as fee_amount,
        sum(transactions.balance_impact_amount) as net_change_amount,
        count(*) as transaction_count,
        sum(case when transactions.is_approved then 1 else 0 end) as approved_transaction_count,
        sum(case when transactions.is_declined then 1 else 0 end) as declined_transaction_count,
        sum(case when transactions.is_fraud then 1 else 0 end) as fraud_transaction_count
    from transactions
    inner join account_periods
        on transactions.account_id = account_periods.account_id
    group by 1, 2

),

account_days as (

    select
        account_periods.*,
        dates.calendar_date as snapshot_date,
        dates.date_key,
        dates.is_month_end,
        {{ dbt.dateadd('day', 1, 'dates.calendar_date') }} as next_day_start
    from account_periods
    inner join dates
        on
            account_periods.period_start_date <= dates.calendar_date
            and account_periods.period_end_date >= dates.calendar_date

),

balances as (

    select
        account_days.*,
        coalesce(daily_activity.inflow_amount, 0) as inflow_amount,
        coalesce(daily_activity.outflow_amount, 0) as outflow_amount,
        coalesce(daily_activity.fee_amount, 0) as fee_amount,
        coalesce(daily_activity.net_change_amount, 0) as net_change_amount,
        coalesce(daily_activity.transaction_count, 0) as transaction_count,
        coalesce(daily_activity.approved_transaction_count, 0) as approved_transaction_count,
        coalesce(daily_activity.declined_transaction_count, 0) as declined_transaction_count,
        coalesce(daily_activity.fraud_transaction_count, 0) as fraud_transaction_count,
        account_days.opening_balance + sum(coalesce(daily_activity.net_change_amount, 0)) over (
            partition by account_days.account_id
            order by account_days.snapshot_date
            rows between unbounded preceding and current row
        ) as closing_balance_amount
    from account_days
    left join daily_activity
        on
            account_days.account_id = daily_activity.account_id
            and account_days.snapshot_date = daily_activity.activity_date

),

final as (

    select
        -- keys
        {{ gold_surrogate_key(['balances.account_id', 'balances.snapshot_date']) }} as account_snapshot_key,
        balances.account_id,
        balances.date_key,
        {{ dimension_key('customers.customer_key') }} as customer_key,
        {{ dimension_key('products.product_key') }} as product_key,
        balances.customer_id,
        -- attributes
        balances.account_type,
        balances.currency,
        -- measures
        balances.closing_balance_amount - balances.net_change_amount as opening_balance_amount,
        balances.closing_balance_amount,
        balances.inflow_amount,
        balances.outflow_amount,
        balances.fee_amount,
        balances.net_change_amount,
        balances.transaction_count,
        balances.approved_transaction_count,
        balances.declined_transaction_count,
        balances.fraud_transaction_count,
        balances.credit_limit,
        {{ dbt.datediff('balances.opened_date', 'balances.snapshot_date', 'day') }} as days_since_opened,  -- noqa: LT05
        -- flags
        balances.is_month_end,
        balances.snapshot_date = balances.opened_date as is_opening_day,
        balances.snapshot_date = balances.period_end_date as is_last_day,
        balances.closed_date is not null and balances.snapshot_date = balances.closed_date as is_closing_day,
        balances.transaction_count > 0 as has_activity,
        balances.closing_balance_amount < 0
        and balances.account_type in ('checking', 'savings') as is_overdrawn,
        -- dates
        balances.snapshot_date,
        balances.opened_date,
        balances.closed_date
    from balances
    -- the customer version valid at the end of the day (half-open ranges never overlap)
    left join customers
        on
            balances.customer_id = customers.customer_id
            and balances.next_day_start > customers.valid_from
            and balances.next_day_start <= customers.valid_to
    left join products
        on balances.product_id = products.product_id

)

select * from final
