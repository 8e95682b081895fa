{#
    Two incremental strategies for facts whose rows of one partition (an account, a
    customer) are recomputed from some period on. The new rows of a partition are its
    periods from that period on: the strategy deletes the partition's rows from its first
    new period on, so periods that left the window go too (an account closed earlier, an
    as-of day that moved back), then inserts the new rows. Partitions without new rows are
    left untouched. unique_key = [<partition column>, <period column>].

    partition_periods: just that (fact_customer_monthly).
    account_days: the periodic account snapshot. A batch that holds a partition's opening
    day rebuilds it whole, so no day before it survives (an opened_date that moved later).
#}
{% macro get_incremental_partition_periods_sql(arg_dict) %}
    {{- replace_partition_periods(arg_dict) -}}
{% endmacro %}

{% macro get_incremental_account_days_sql(arg_dict) %}
    {{- replace_partition_periods(arg_dict, rebuild_flag_column='is_opening_day') -}}
{% endmacro %}

{% macro replace_partition_periods(arg_dict, rebuild_flag_column=none) %}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set partition_column = arg_dict['unique_key'][0] -%}
    {%- set period_column = arg_dict['unique_key'][1] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}

    -- a join on the partition and a range on the period, so postgres deletes through the
    -- (partition, period) unique index instead of probing every row held
    delete from {{ target_relation }} as kept
    using (
        select
            {{ partition_column }},
            {%- if rebuild_flag_column %}
            case
                when max(case when {{ rebuild_flag_column }} then 1 else 0 end) = 1
                    then cast('0001-01-01' as date)
                else min({{ period_column }})
            end as replaced_from
            {%- else %}
            min({{ period_column }}) as replaced_from
            {%- endif %}
        from {{ temp_relation }}
        group by {{ partition_column }}
    ) as replaced
    where
        kept.{{ partition_column }} = replaced.{{ partition_column }}
        and kept.{{ period_column }} >= replaced.replaced_from;

    insert into {{ target_relation }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ temp_relation }}
    )
{% endmacro %}


{#
    delete_account_days_outside_window: post-hook of the account snapshot. It drops what a
    full refresh would not build and the strategy never sees: accounts no version of which
    is open by their last day held (read through the is_last_day index, one row per
    account), and days before the window's first day (it moves later only when the earliest
    facts are withdrawn; a range of the date_key index). Accounts are never withdrawn from
    the SCD2 history and their opened_date can only move earlier, so both are rare.
#}
{% macro delete_account_days_outside_window(target_relation, account_history_relation, facts_relation) -%}
    delete from {{ target_relation }} as kept
    using (
        select held.account_id
        from {{ target_relation }} as held
        where
            held.is_last_day
            and not exists (
                select 1
                from {{ account_history_relation }} as history
                where
                    history.account_id = held.account_id
                    and history.opened_date <= held.snapshot_date
            )
    ) as gone
    where kept.account_id = gone.account_id;

    delete from {{ target_relation }} as kept
    where kept.date_key < (
        {%- if var('data_start_date', none) %}
        select min(dates.date_key) from {{ ref('dim_date') }} as dates
        where dates.calendar_date >= cast('{{ var("data_start_date") }}' as date)
        {%- else %}
        select min(dates.date_key) from {{ ref('dim_date') }} as dates
        where dates.calendar_date >= (select min(facts.transaction_date) from {{ facts_relation }} as facts)
        {%- endif %}
    )
{%- endmacro %}
