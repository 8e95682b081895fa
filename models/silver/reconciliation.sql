{#
    One row per bronze table: where each bronze row went. Every bronze row is a silver
    row, a rejected row, an exact duplicate removed (same natural key in the same load
    as the kept row) or a re-send superseded (same key, an earlier load than the kept
    row), so bronze_rows = silver_rows + rejected_rows + duplicates_removed +
    resends_superseded. The counts come from different relations (bronze itself, the
    judged per-row tables, the staging tables, rejected_rows), so the balance is a real
    check: tests/silver/assert_reconciliation_balances.sql fails when it does not hold.
#}
{%- set reasons = silver_rejection_reasons() %}

{#-
    The bronze tables, each with the natural key its staging model deduplicates on, the
    model that holds each row's final verdict (judged_<table>, or clean_<table> for the
    tables that refer to no other), the quality flags it carries (a flag a table lacks is
    NULL, false for has_unknown_reference) and the columns those flags read.
#}
{%- set silver_tables = [
    {
        'name': 'products',
        'verdicts': 'clean_products',
        'key': 'product_id',
        'is_complete': 'is_complete',
        'flag_columns': ['is_complete'],
    },
    {
        'name': 'merchants',
        'verdicts': 'clean_merchants',
        'key': 'merchant_id',
        'is_complete': 'is_complete',
        'flag_columns': ['is_complete'],
    },
    {
        'name': 'customers',
        'verdicts': 'clean_customers',
        'key': 'customer_id',
        'is_complete': 'is_complete',
        'is_email_valid': 'is_email_valid',
        'is_phone_valid': 'is_phone_valid',
        'flag_columns': ['is_complete', 'is_email_valid', 'is_phone_valid'],
    },
    {
        'name': 'accounts',
        'verdicts': 'judged_accounts',
        'key': 'account_id',
        'is_complete': 'is_complete',
        'has_unknown_reference': '(is_customer_known = false or is_product_known = false)',
        'flag_columns': ['is_complete', 'is_customer_known', 'is_product_known'],
    },
    {
        'name': 'transactions',
        'verdicts': 'judged_transactions',
        'key': 'transaction_id',
        'has_unknown_reference': 'coalesce(is_merchant_known = false, false)',
        'flag_columns': ['is_merchant_known'],
    },
    {'name': 'credit_applications', 'verdicts': 'judged_credit_applications', 'key': 'application_id'},
    {'name': 'fraud_alerts', 'verdicts': 'judged_fraud_alerts', 'key': 'alert_id'},
    {'name': 'customer_interactions', 'verdicts': 'judged_customer_interactions', 'key': 'interaction_id'},
    {'name': 'economic_indicators', 'verdicts': 'clean_economic_indicators', 'key': 'indicator_month'},
    {'name': 'marketing_campaigns', 'verdicts': 'judged_marketing_campaigns', 'key': 'campaign_id, customer_id'},
    {'name': 'loan_payments', 'verdicts': 'judged_loan_payments', 'key': 'payment_id'},
] %}
{%- set null_boolean = 'cast(null as ' ~ dbt.type_boolean() ~ ')' %}
{%- set judged_columns = ['natural_key', 'batch_id', 'loaded_at', 'row_hash', 'rejection_reason', 'is_code_repaired'] %}

{%- set copy_key = dbt.concat(['batch_id', "'|'", 'row_hash']) %}
{#- the flags counted on the kept row of each key, as conditions on one judged row -#}
{%- set kept_flags = {
    'codes_repaired': 'is_code_repaired',
    'incomplete_rows': 'is_complete = false',
    'unknown_references_kept': 'has_unknown_reference',
    'invalid_emails_nulled': 'is_email_valid = false',
    'invalid_phones_nulled': 'is_phone_valid = false',
} %}

{#-
    How it stays cheap and exact. A key judged once (most of them) is its own kept row:
    it is no duplicate, no re-send, and its batch and content are its own (row_hash covers
    the key columns, so two rows with the same batch and content have the same key). So
    only the keys judged more than once are ranked and compared, and what the others add
    is counted in one pass without sorting: every count over all judged rows, minus the
    same count over the rows of keys judged more than once, plus what ranking those gives.
    natural_key is a function of the key the staging model deduplicates on, so the rows of
    a natural_key judged more than once (found through judged_transactions' natural_key
    index) hold every key judged more than once whole; rows without a natural_key are
    ranked too.
-#}

with

{% for table in silver_tables %}
bronze_{{ table.name }} as (

    select * from {{ source('bronze', table.name) }}

),

-- only the columns counted; not materialized (postgres): read three times, each read
-- goes to the table (through the natural_key index where there is one)
verdicts_{{ table.name }} as not materialized (

    select
        {{ (judged_columns + table.key.split(', ') + table.get('flag_columns', [])) | join(',\n        ') }}
    from {{ ref(table.verdicts) }}

),

stg_{{ table.name }} as (

    select * from {{ ref('stg_' ~ table.name) }}

),

repeated_keys_{{ table.name }} as (

    select natural_key
    from verdicts_{{ table.name }}
    group by natural_key
    having count(*) > 1

),

repeated_{{ table.name }} as (

    select
        {{ (judged_columns + table.key.split(', ')) | join(',\n        ') }},
        {{ copy_key }} as copy_key,
        {{ table.get('is_complete', null_boolean) }} as is_complete,
        {{ table.get('has_unknown_reference', 'false') }} as has_unknown_reference,
        {{ table.get('is_email_valid', null_boolean) }} as is_email_valid,
        {{ table.get('is_phone_valid', null_boolean) }} as is_phone_valid
    from verdicts_{{ table.name }}
    -- an array, not a semi-join: postgres then reads the few rows through the index
    -- instead of scanning the table for them
    where
        natural_key = any(array(select repeated_keys_{{ table.name }}.natural_key from repeated_keys_{{ table.name }}))
        or natural_key is null

),

{% endfor %}
rejected_rows as (

    select * from {{ ref('rejected_rows') }}

),

bronze_counts as (

    {% for table in silver_tables %}
    select
        '{{ table.name }}' as source_table,
        count(*) as bronze_rows
    from bronze_{{ table.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- every judged row, in one pass: no sort, no ranking
judged_counts as (

    {% for table in silver_tables %}
    select
        '{{ table.name }}' as source_table,
        count(*) as judged_rows,
        count({{ copy_key }}) as copy_keyed_rows,
        -- rejected rows whose codes were repaired before another check rejected them
        -- (their parent was rejected): the code_format defect was found all the same
        count(case when rejection_reason is not null and is_code_repaired then 1 end)
            as codes_repaired_on_rejected_rows,
        {%- for flag, condition in kept_flags.items() %}
        count(case when rejection_reason is null and ({{ condition }}) then 1 end) as accepted_{{ flag }},
        {%- endfor %}
        count(case when rejection_reason is null and natural_key is not null then 1 end) as accepted_keyed_rows
    from (
        select
            natural_key,
            batch_id,
            row_hash,
            rejection_reason,
            is_code_repaired,
            {{ table.get('is_complete', null_boolean) }} as is_complete,
            {{ table.get('has_unknown_reference', 'false') }} as has_unknown_reference,
            {{ table.get('is_email_valid', null_boolean) }} as is_email_valid,
            {{ table.get('is_phone_valid', null_boolean) }} as is_phone_valid
        from verdicts_{{ table.name }}
    ) as judged
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- rows sent twice in one batch (same key and content), accepted or not: the source's
-- duplicates; only rows of keys judged more than once can be one
repeated_copies as (

    {% for table in silver_tables %}
    select
        '{{ table.name }}' as source_table,
        count(*) as repeated_rows,
        count(copy_key) as repeated_copy_keyed_rows,
        count(distinct copy_key) as repeated_distinct_copies
    from repeated_{{ table.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- accepted rows of keys judged more than once, ranked exactly as the staging models rank
accepted as (

    {% for table in silver_tables %}
    select
        '{{ table.name }}' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by {{ table.key }}
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by {{ table.key }}
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        is_complete,
        has_unknown_reference,
        is_email_valid,
        is_phone_valid
    from repeated_{{ table.name }}
    where rejection_reason is null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

repeated_counts as (

    select
        source_table,
        count(distinct natural_key) as distinct_keys,
        sum(case when natural_key is not null then 1 else 0 end) as keyed_rows,
        sum(case when load_rank > 1 and batch_id = kept_batch_id then 1 else 0 end) as duplicates_removed,
        -- flags of the rows not kept, taken off the flags of every accepted row
        {%- for flag, condition in kept_flags.items() %}
        sum(case when load_rank > 1 and ({{ condition }}) then 1 else 0 end) as superseded_{{ flag }},
        {%- endfor %}
        sum(case when load_rank > 1 and batch_id != kept_batch_id then 1 else 0 end) as resends_superseded
    from accepted
    group by source_table

),

accepted_counts as (

    -- accepted keys judged once are distinct keys and kept rows of their own
    select
        judged_counts.source_table,
        judged_counts.accepted_keyed_rows
        - coalesce(repeated_counts.keyed_rows, 0)
        + coalesce(repeated_counts.distinct_keys, 0) as distinct_keys,
        -- rows without a copy key (a NULL batch) count as copies, as count(distinct) does
        judged_counts.judged_rows - judged_counts.copy_keyed_rows
        + repeated_copies.repeated_copy_keyed_rows - repeated_copies.repeated_distinct_copies
            as duplicate_rows_sent,
        judged_counts.codes_repaired_on_rejected_rows,
        coalesce(repeated_counts.duplicates_removed, 0) as duplicates_removed,
        {%- for flag in kept_flags %}
        judged_counts.accepted_{{ flag }} - coalesce(repeated_counts.superseded_{{ flag }}, 0) as {{ flag }},
        {%- endfor %}
        coalesce(repeated_counts.resends_superseded, 0) as resends_superseded
    from judged_counts
    inner join repeated_copies
        on judged_counts.source_table = repeated_copies.source_table
    left join repeated_counts
        on judged_counts.source_table = repeated_counts.source_table

),

silver_counts as (

    {% for table in silver_tables %}
    select
        '{{ table.name }}' as source_table,
        count(*) as silver_rows
    from stg_{{ table.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

quarantined_counts as (

    select
        table_name as source_table,
        count(*) as quarantined_rows
    from {{ source('bronze', 'load_quarantine') }}
    group by table_name

),

rejected_counts as (

    select
        source_table,
        count(*) as rejected_rows,
        {%- for reason in reasons %}
        sum(case when reason = '{{ reason }}' then 1 else 0 end) as rejected_{{ reason }},
        {%- endfor %}
        count(distinct natural_key) as rejected_distinct_keys
    from rejected_rows
    group by source_table

),

final as (

    select
        -- keys
        bronze_counts.source_table,
        -- measures
        bronze_counts.bronze_rows,
        coalesce(accepted_counts.distinct_keys, 0) as accepted_distinct_keys,
        accepted_counts.duplicate_rows_sent,
        coalesce(accepted_counts.duplicates_removed, 0) as duplicates_removed,
        coalesce(accepted_counts.resends_superseded, 0) as resends_superseded,
        coalesce(rejected_counts.rejected_rows, 0) as rejected_rows,
        {%- for reason in reasons %}
        coalesce(rejected_counts.rejected_{{ reason }}, 0) as rejected_{{ reason }},
        {%- endfor %}
        coalesce(silver_counts.silver_rows, 0) as silver_rows,
        coalesce(accepted_counts.codes_repaired, 0) as codes_repaired,
        coalesce(accepted_counts.codes_repaired_on_rejected_rows, 0) as codes_repaired_on_rejected_rows,
        coalesce(accepted_counts.incomplete_rows, 0) as incomplete_rows,
        coalesce(accepted_counts.unknown_references_kept, 0) as unknown_references_kept,
        coalesce(accepted_counts.invalid_emails_nulled, 0) as invalid_emails_nulled,
        coalesce(accepted_counts.invalid_phones_nulled, 0) as invalid_phones_nulled,
        -- records of the batches in bronze that the loader kept out of it (bronze.load_quarantine)
        coalesce(quarantined_counts.quarantined_rows, 0) as quarantined_rows,
        -- flags
        bronze_counts.bronze_rows = coalesce(silver_counts.silver_rows, 0)
        + coalesce(rejected_counts.rejected_rows, 0)
        + coalesce(accepted_counts.duplicates_removed, 0)
        + coalesce(accepted_counts.resends_superseded, 0) as is_balanced
    from bronze_counts
    left join accepted_counts
        on bronze_counts.source_table = accepted_counts.source_table
    left join rejected_counts
        on bronze_counts.source_table = rejected_counts.source_table
    left join silver_counts
        on bronze_counts.source_table = silver_counts.source_table
    left join quarantined_counts
        on bronze_counts.source_table = quarantined_counts.source_table

)

select * from final
