{{
    config(
        materialized='incremental',
        incremental_strategy='account_days',
        unique_key=['account_id', 'snapshot_date'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['account_snapshot_key'], 'unique': true},
            {'columns': ['account_id', 'snapshot_date'], 'unique': true},
            {'columns': ['date_key']},
            {'columns': ['customer_key']},
            {'columns': ['dbt_loaded_at']},
            {'columns': ['is_last_day']},
        ],
        post_hook=["{{ delete_account_days_outside_window(this, ref('snap_accounts'), ref('fact_transactions')) }}"],
    )
}}

{#- {{ this }} is read directly where needed (as fact_transactions does), never through an
    import CTE: postgres would materialise a CTE read several times, the whole table.
    Accounts come from their SCD2 history (snap_accounts), every account ever seen, so an
    account that leaves the extract after it closed keeps its days, and one extract with a
    missing or defective value does not rewrite an account's history: product, opening date
    and opening balance do not change over an account's life and come from the earliest
    version that has them (as in fact_transactions); customer, type and currency from the
    latest version that has them; credit limit and closing date from the latest version.
    An incremental run recomputes each account from the first day that differs from what the
    table holds, seeded with the closing balance of the day before, and the strategy
    (macros/gold_incremental.sql) replaces the account's rows from that day on. Only some
    accounts are compared day by day: those with facts written since this table's last
    write (fact_transactions stamps dbt_loaded_at on every row it writes or rewrites) and
    those whose count of facts no longer matches the running count held on their last day
    (a withdrawn transaction leaves no stamp). Every other account is read once, on its
    last day (the is_last_day index): its window may have moved (a new as-of day moves
    is_last_day too), its attributes or its customer version may have changed. A new
    account, or one whose attributes or first day changed, is rebuilt whole. -#}
{%- set far_future_date = "cast('9999-12-31' as date)" %}
{%- set epoch = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}

with account_history as (

    select * from {{ ref('snap_accounts') }}

),

facts as not materialized (

    -- inlined where read (min/max through the date index, a grouped pass, candidates)
    select * from {{ ref('fact_transactions') }}

),

known_customers as (

    select * from {{ ref('registry_customers') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

-- not materialized (postgres): inlined, each window's days are a range of the
-- calendar_date index; a shared CTE would be scanned whole for every window
dates as not materialized (

    select * from {{ ref('dim_date') }}

),

account_versions as (

    select
        account_history.account_id,
        {{ first_present_value(
            'account_history.customer_id', 'account_history.account_id', 'account_history.dbt_valid_from desc',
            missing='known_customers.customer_id is null',
        ) }} as customer_id,
        {{ first_present_value(
            'account_history.product_id', 'account_history.account_id', 'account_history.dbt_valid_from',
        ) }} as product_id,
        {{ first_present_value(
            'account_history.account_type', 'account_history.account_id', 'account_history.dbt_valid_from desc',
        ) }} as account_type,
        {{ first_present_value(
            'account_history.currency', 'account_history.account_id', 'account_history.dbt_valid_from desc',
        ) }} as currency,
        min(account_history.opened_date) over (partition by account_history.account_id) as opened_date,
        {{ first_present_value(
            'account_history.opening_balance', 'account_history.account_id', 'account_history.dbt_valid_from',
        ) }} as opening_balance,
        account_history.closed_date,
        account_history.credit_limit,
        account_history.updated_at,
        row_number() over (
            partition by account_history.account_id
            order by account_history.dbt_valid_from desc
        ) as version_rank
    from account_history
    left join known_customers
        on account_history.customer_id = known_customers.customer_id

),

accounts as (

    -- one row per account ever seen, with the attributes above
    select *
    from account_versions
    where version_rank = 1

),

as_of as (

    -- the data's window: it starts on the first transaction day (or var data_start_date)
    -- and ends on the latest event or account change seen (index reads, not scans)
    select
        {% if var('data_start_date', none) -%}
        cast('{{ var("data_start_date") }}' as date) as start_date,
        {%- else -%}
        (select min(facts.transaction_date) from facts) as start_date,
        {%- endif %}
        max(candidates.as_of_date) as as_of_date
    from (
        select max(facts.transaction_date) as as_of_date from facts
        union all
        select max(cast(account_history.updated_at as date)) as as_of_date from account_history
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
        accounts.credit_limit,
        {{ dimension_key('products.product_key') }} as product_key,
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
    left join products
        on accounts.product_id = products.product_id
    where accounts.opened_date <= as_of.as_of_date

),

{#- activity outside the covered period is booked on its first or last day, so the balance
    still reconciles with the extract. Aggregated before joining; the fingerprint sums a
    hash of each transaction as booked (id, day, status, amounts): order-independent, so
    the days of an account add up to one number an incremental run can compare -#}
{%- set booked_date -%}
        case
            when booked.transaction_date < spans.period_start_date then spans.period_start_date
            when booked.transaction_date > spans.period_end_date then spans.period_end_date
            else booked.transaction_date
        end
{%- endset %}
{%- set daily_activity_columns -%}
        booked.account_id,
        {{ booked_date }} as activity_date,
        sum(case when booked.is_approved then booked.credit_amount else 0 end) as inflow_amount,
        sum(case when booked.is_approved then booked.debit_amount else 0 end) as outflow_amount,
        sum(case when booked.is_approved then booked.fee_amount else 0 end) as fee_amount,
        sum(booked.balance_impact_amount) as net_change_amount,
        count(*) as transaction_count,
        sum(case when booked.is_approved then 1 else 0 end) as approved_transaction_count,
        sum(case when booked.is_declined then 1 else 0 end) as declined_transaction_count,
        sum(case when booked.is_fraud then 1 else 0 end) as fraud_transaction_count,
        sum(
            {{ gold_surrogate_key([
                'booked.transaction_id',
                booked_date,
                'booked.is_approved', 'booked.is_declined', 'booked.is_fraud',
                'booked.credit_amount', 'booked.debit_amount', 'booked.fee_amount',
                'booked.balance_impact_amount',
            ]) }}
        ) as activity_fingerprint
{%- endset %}

{% if is_incremental() %}
held_window as (

    -- the first day held: the window's first day when the table was last written
    select min(dates.calendar_date) as start_date
    from {{ this }} as held
    inner join dates
        on held.date_key = dates.date_key
    where held.date_key = (select min(first_day.date_key) from {{ this }} as first_day)

),

held_accounts as (

    -- each account's last day held (one row per account, read through the is_last_day
    -- index): its window end, running count and fingerprint, attributes and customer key
    select
        held.account_id,
        held.snapshot_date as last_held_date,
        held.activity_fingerprint as held_activity_fingerprint,
        held.cumulative_transaction_count as held_transaction_count,
        held.customer_key as last_held_customer_key,
        held.customer_id,
        held.product_key,
        held.account_type,
        held.currency,
        held.credit_limit,
        held.opened_date,
        held.closed_date,
        -- the first day held follows from the opening date and the window's first day held
        case
            when held.opened_date < held_window.start_date then held_window.start_date
            else held.opened_date
        end as first_held_date
    from {{ this }} as held
    cross join held_window
    where held.is_last_day

),

last_write as (

    select coalesce(max(held.dbt_loaded_at), {{ epoch }}) as written_at
    from {{ this }} as held

),

fact_counts as (

    -- per account: its facts, and the latest write of any of them (one pass, no hashing)
    select
        account_id,
        count(*) as fact_count,
        max(dbt_loaded_at) as last_fact_write
    from facts
    group by account_id

),

candidate_accounts as (

    -- accounts whose facts may differ from what is held: written since this table's last
    -- write (new, late, re-sent or re-keyed facts), or fewer or more than the running count
    -- held (withdrawn ones). Only these are compared day by day
    select
        account_periods.account_id,
        account_periods.period_start_date,
        account_periods.period_end_date
    from account_periods
    inner join held_accounts
        on account_periods.account_id = held_accounts.account_id
    left join fact_counts
        on account_periods.account_id = fact_counts.account_id
    where
        -- (a table built before the running count existed holds none: every account)
        held_accounts.held_transaction_count is null
        or coalesce(fact_counts.fact_count, 0) <> held_accounts.held_transaction_count
        or fact_counts.last_fact_write > (select last_write.written_at from last_write)

),

changed_accounts as (

    -- candidates whose facts booked up to their last held day may no longer be the ones
    -- held: one of them was written since this table's last write (it arrived late or
    -- changed), or they are no longer as many as the running count held (one was
    -- withdrawn or moved). Facts not written since were booked as they are by the run
    -- that wrote the last day held. Only these accounts are compared day by day; days after
    -- the last held one are new
    select spans.account_id
    from candidate_accounts as spans
    inner join held_accounts
        on spans.account_id = held_accounts.account_id
    left join facts as booked
        on
            spans.account_id = booked.account_id
            and {{ booked_date }} <= held_accounts.last_held_date
    group by spans.account_id, held_accounts.held_transaction_count
    having
        held_accounts.held_transaction_count is null
        or count(booked.account_id) <> held_accounts.held_transaction_count
        or max(booked.dbt_loaded_at) > (select last_write.written_at from last_write)

),

held_activity as (

    -- the active days held for those accounts (a range of the (account_id,
    -- snapshot_date) index each); a day's own fingerprint is the step of the running one
    select held_days.*
    from changed_accounts
    cross join
        lateral (
            select
                held.account_id,
                held.snapshot_date,
                held.inflow_amount,
                held.outflow_amount,
                held.fee_amount,
                held.net_change_amount,
                held.transaction_count,
                held.approved_transaction_count,
                held.declined_transaction_count,
                held.fraud_transaction_count,
                held.activity_fingerprint - coalesce(
                    lag(held.activity_fingerprint) over (order by held.snapshot_date), 0
                ) as day_fingerprint
            from {{ this }} as held
            where
                held.account_id = changed_accounts.account_id
                and held.transaction_count > 0
        ) as held_days

),

changed_activity as (

    select
        {{ daily_activity_columns }}
    from facts as booked
    inner join changed_accounts
        on booked.account_id = changed_accounts.account_id
    inner join candidate_accounts as spans
        on booked.account_id = spans.account_id
    group by booked.account_id, activity_date

),

activity_changes as (

    -- per account, the first day whose activity differs from the facts: transactions
    -- that arrived, changed status or were withdrawn since the last run
    select
        coalesce(changed_activity.account_id, held_activity.account_id) as account_id,
        min(coalesce(changed_activity.activity_date, held_activity.snapshot_date)) as changed_from_date
    from changed_activity
    full outer join held_activity
        on
            changed_activity.account_id = held_activity.account_id
            and changed_activity.activity_date = held_activity.snapshot_date
    where
        changed_activity.account_id is null
        or held_activity.account_id is null
        or changed_activity.inflow_amount <> held_activity.inflow_amount
        or changed_activity.outflow_amount <> held_activity.outflow_amount
        or changed_activity.fee_amount <> held_activity.fee_amount
        or changed_activity.net_change_amount <> held_activity.net_change_amount
        or changed_activity.transaction_count <> held_activity.transaction_count
        or changed_activity.approved_transaction_count <> held_activity.approved_transaction_count
        or changed_activity.declined_transaction_count <> held_activity.declined_transaction_count
        or changed_activity.fraud_transaction_count <> held_activity.fraud_transaction_count
        or changed_activity.activity_fingerprint <> held_activity.day_fingerprint
    group by coalesce(changed_activity.account_id, held_activity.account_id)

),

customer_check_days as (

    -- the days an account's customer version can change on: the first day a version is
    -- valid at day end, the first day after it, and the first day held
    select
        held_accounts.account_id,
        held_accounts.first_held_date as check_date
    from held_accounts
    union
    select
        held_accounts.account_id,
        cast(customers.valid_from as date) as check_date
    from held_accounts
    inner join customers
        on held_accounts.customer_id = customers.customer_id
    where cast(customers.valid_from as date) between held_accounts.first_held_date and held_accounts.last_held_date
    union
    select
        held_accounts.account_id,
        cast(customers.valid_to as date) as check_date
    from held_accounts
    inner join customers
        on held_accounts.customer_id = customers.customer_id
    where cast(customers.valid_to as date) between held_accounts.first_held_date and held_accounts.last_held_date

),

customer_changes as (

    -- per account, the first check day whose held customer key is no longer the version
    -- valid at the end of that day (the held day is an index lookup)
    select
        customer_check_days.account_id,
        min(customer_check_days.check_date) as changed_from_date
    from customer_check_days
    inner join held_accounts
        on customer_check_days.account_id = held_accounts.account_id
    cross join
        lateral (
            select held.customer_key
            from {{ this }} as held
            where
                held.account_id = customer_check_days.account_id
                and held.snapshot_date = customer_check_days.check_date
            -- at most one row (the key); the limit also keeps postgres from turning the
            -- lookup into a hash join over every day held
            order by held.snapshot_date
            limit 1
        ) as held_day
    left join customers
        on
            held_accounts.customer_id = customers.customer_id
            and {{ dbt.dateadd('day', 1, 'customer_check_days.check_date') }} > customers.valid_from
            and {{ dbt.dateadd('day', 1, 'customer_check_days.check_date') }} <= customers.valid_to
    where held_day.customer_key <> {{ dimension_key('customers.customer_key') }}
    group by customer_check_days.account_id

),

recompute_starts as (

    select
        account_periods.*,
        case
            -- new, or changed in a way that touches every day: rebuilt whole (the
            -- `is null` pairs make the comparisons null-safe)
            when
                held_accounts.account_id is null
                or held_accounts.first_held_date <> account_periods.period_start_date
                or held_accounts.customer_id <> account_periods.customer_id
                or (held_accounts.customer_id is null) <> (account_periods.customer_id is null)
                or held_accounts.product_key <> account_periods.product_key
                or (held_accounts.product_key is null) <> (account_periods.product_key is null)
                or held_accounts.account_type <> account_periods.account_type
                or (held_accounts.account_type is null) <> (account_periods.account_type is null)
                or held_accounts.currency <> account_periods.currency
                or (held_accounts.currency is null) <> (account_periods.currency is null)
                or held_accounts.credit_limit <> account_periods.credit_limit
                or (held_accounts.credit_limit is null) <> (account_periods.credit_limit is null)
                or held_accounts.opened_date <> account_periods.opened_date
                or (held_accounts.opened_date is null) <> (account_periods.opened_date is null)
                or held_accounts.closed_date <> account_periods.closed_date
                or (held_accounts.closed_date is null) <> (account_periods.closed_date is null)
                then account_periods.period_start_date
            else
                least(
                    coalesce(activity_changes.changed_from_date, {{ far_future_date }}),
                    coalesce(customer_changes.changed_from_date, {{ far_future_date }}),
                    -- a window that now ends elsewhere: the old last day loses is_last_day
                    case
                        when held_accounts.last_held_date <> account_periods.period_end_date
                            then least(held_accounts.last_held_date, account_periods.period_end_date)
                        else {{ far_future_date }}
                    end
                )
        end as recompute_from_date
    from account_periods
    left join held_accounts
        on account_periods.account_id = held_accounts.account_id
    left join activity_changes
        on account_periods.account_id = activity_changes.account_id
    left join customer_changes
        on account_periods.account_id = customer_changes.account_id

),

account_windows as materialized (

    -- the days to (re)compute, and the balance they start from: the closing balance held
    -- for the day before, or the opening balance when the account starts over.
    -- Materialised (postgres), so the days are joined to the few windows left, not to
    -- every account's whole history before the filter
    select
        recompute_starts.*,
        coalesce(seed.closing_balance_amount, recompute_starts.opening_balance) as seed_balance,
        coalesce(seed.activity_fingerprint, 0) as seed_fingerprint,
        coalesce(seed.cumulative_transaction_count, 0) as seed_transaction_count
    from recompute_starts
    -- the held day before the window: a keyed lookup (the limit keeps postgres from
    -- hashing every day held instead)
    left join lateral (
        select
            held.closing_balance_amount,
            held.activity_fingerprint,
            held.cumulative_transaction_count
        from {{ this }} as held
        where
            held.account_id = recompute_starts.account_id
            and recompute_starts.recompute_from_date > recompute_starts.period_start_date
            and held.snapshot_date = cast({{ dbt.dateadd('day', -1, 'recompute_starts.recompute_from_date') }} as date)
        order by held.snapshot_date
        limit 1
    ) as seed on true
    where recompute_starts.recompute_from_date <= recompute_starts.period_end_date

),
{% else %}
account_windows as (

    select
        account_periods.*,
        account_periods.period_start_date as recompute_from_date,
        account_periods.opening_balance as seed_balance,
        0 as seed_fingerprint,
        0 as seed_transaction_count
    from account_periods

),
{% endif %}

daily_activity as (

    -- the activity of the days to compute: from each window's first day (a window that
    -- starts the account over also books the facts dated before it)
    select
        {{ daily_activity_columns }}
    from facts as booked
    inner join account_windows as spans
        on booked.account_id = spans.account_id
    where
        booked.transaction_date >= spans.recompute_from_date
        or spans.recompute_from_date = spans.period_start_date
    group by booked.account_id, activity_date

),

account_days as (

    select
        account_windows.*,
        dates.calendar_date as snapshot_date,
        dates.date_key,
        dates.is_month_end,
        {{ dbt.dateadd('day', 1, 'dates.calendar_date') }} as next_day_start
    from account_windows
    inner join dates
        on
            account_windows.recompute_from_date <= dates.calendar_date
            and account_windows.period_end_date >= dates.calendar_date

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
        account_days.seed_balance + sum(coalesce(daily_activity.net_change_amount, 0)) over (
            partition by account_days.account_id
            order by account_days.snapshot_date
            rows between unbounded preceding and current row
        ) as closing_balance_amount,
        account_days.seed_fingerprint + sum(coalesce(daily_activity.activity_fingerprint, 0)) over (
            partition by account_days.account_id
            order by account_days.snapshot_date
            rows between unbounded preceding and current row
        ) as activity_fingerprint,
        account_days.seed_transaction_count + sum(coalesce(daily_activity.transaction_count, 0)) over (
            partition by account_days.account_id
            order by account_days.snapshot_date
            rows between unbounded preceding and current row
        ) as cumulative_transaction_count
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
        balances.product_key,
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
        cast(balances.cumulative_transaction_count as {{ dbt.type_bigint() }}) as cumulative_transaction_count,
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
        balances.closed_date,
        -- change detection (incremental runs)
        balances.activity_fingerprint,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from balances
    -- the customer version valid at the end of the day (half-open ranges never overlap)
    left join customers
        on
            balances.customer_id = customers.customer_id
            and balances.next_day_start > customers.valid_from
            and balances.next_day_start <= customers.valid_to

)

select * from final
