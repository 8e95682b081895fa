{#
    transaction_risk_scope: what an incremental run of features_transaction_risk must
    look at, read before its query is planned so that the planner sees constants (its
    estimates of computed key sets are guesses, and a guess too high turns every index
    lookup into a scan of all history):
    - written_after: the fact's rows written after this table's latest write (fact
      dbt_loaded_at) are the only ones that can be new or have changed;
    - is_consistent: the rows held that were not rewritten are exactly as many as the
      fact's rows that were not, i.e. none was withdrawn upstream or lost here (two counts,
      index-only scans, instead of matching every row);
    - changed_merchant_keys: every row held for a merchant key carries the attributes
      dim_merchant had when it was written, and a change of them rewrites them all, so one
      row per key (a loose index scan of the merchant_key index) tells whether they changed;
    - left_customer_keys: a customer version's attributes never change (customer_key is
      an immutable snapshot row), but a version that left dim_customer has no country any
      more: the versions held that did, with a row that showed a foreign IP against it.
#}
{% macro transaction_risk_scope(target_relation, transactions_relation, customers_relation, merchants_relation) -%}
    {%- set epoch = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
    {#- unknown (parsing; a unit test, where the relations are CTEs): every transaction is
        compared, as a full comparison -#}
    {%- set scope = {
        'written_after': none,
        'is_consistent': false,
        'changed_merchant_keys': [],
        'left_customer_keys': [],
    } -%}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set query -%}
            with recursive latest_write as (
                select coalesce(max(held.dbt_loaded_at), {{ epoch }}) as written_at
                from {{ target_relation }} as held
            ),

            rewritten as (
                select transactions.transaction_id
                from {{ transactions_relation }} as transactions
                where transactions.dbt_loaded_at > (select latest_write.written_at from latest_write)
            ),

            held_merchant_keys (merchant_key) as (
                {{ distinct_by_index_skip(target_relation, 'merchant_key', 'held_merchant_keys') }}
            ),

            held_customer_keys (customer_key) as (
                {{ distinct_by_index_skip(target_relation, 'customer_key', 'held_customer_keys') }}
            ),

            changed_merchants as (
                select held_merchant_keys.merchant_key
                from held_merchant_keys
                cross join lateral (
                    select
                        held.merchant_category,
                        held.merchant_risk_score,
                        held.merchant_age_days,
                        held.transaction_date
                    from {{ target_relation }} as held
                    where held.merchant_key = held_merchant_keys.merchant_key
                    limit 1
                ) as sampled
                left join {{ merchants_relation }} as merchants
                    on held_merchant_keys.merchant_key = merchants.merchant_key
                where
                    sampled.merchant_category is distinct from merchants.category
                    or sampled.merchant_risk_score <> coalesce(merchants.risk_score, 0)
                    or sampled.merchant_age_days is distinct from
                    {{ dbt.datediff('merchants.onboarded_date', 'sampled.transaction_date', 'day') }}
            ),

            left_customers as (
                select held_customer_keys.customer_key
                from held_customer_keys
                where
                    held_customer_keys.customer_key is not null
                    and not exists (
                        select 1
                        from {{ customers_relation }} as customers
                        where customers.customer_key = held_customer_keys.customer_key
                    )
                    and exists (
                        select 1
                        from {{ target_relation }} as held
                        where held.customer_key = held_customer_keys.customer_key and held.is_foreign_ip
                    )
            )

            select
                cast((select latest_write.written_at from latest_write) as {{ dbt.type_string() }})
                    as written_at,
                (select count(*) from {{ target_relation }})
                - (
                    -- = any(array): the planner expects few keys and looks each one up
                    select count(*)
                    from {{ target_relation }} as held
                    where held.transaction_id = any(array(select rewritten.transaction_id from rewritten))
                )
                = (select count(*) from {{ transactions_relation }}) - (select count(*) from rewritten)
                    as is_consistent,
                (select string_agg(cast(merchant_key as {{ dbt.type_string() }}), ',') from changed_merchants)
                    as changed_merchant_keys,
                (select string_agg(cast(customer_key as {{ dbt.type_string() }}), ',') from left_customers)
                    as left_customer_keys
        {%- endset -%}
        {%- set row = run_query(query).rows[0] -%}
        {%- do scope.update({
            'written_after': "cast('" ~ row[0] ~ "' as " ~ dbt.type_timestamp() ~ ")",
            'is_consistent': row[1],
            'changed_merchant_keys': (row[2] or '').split(',') | reject('equalto', '') | list,
            'left_customer_keys': (row[3] or '').split(',') | reject('equalto', '') | list,
        }) -%}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}


{#
    distinct_by_index_skip: the body of a recursive CTE named cte_name that lists the
    distinct non-null values of one indexed column, one index descent per value (a loose
    index scan; postgres has no skip scan), then a final null. For a column with few
    values in a large table, instead of reading every row.
#}
{% macro distinct_by_index_skip(relation, column, cte_name) -%}
    select min(held.{{ column }}) from {{ relation }} as held
    union all
    select (
        select min(held.{{ column }})
        from {{ relation }} as held
        where held.{{ column }} > {{ cte_name }}.{{ column }}
    )
    from {{ cte_name }}
    where {{ cte_name }}.{{ column }} is not null
{%- endmacro %}
