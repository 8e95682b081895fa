{{ config(materialized='view') }}

{#
    The k-means segments (gold.ml_customer_segments, written by `make ml`), typed and
    tested here once: one row per current customer, a known label and model version.
    Before the first `make ml` the source table does not exist and this view is empty.
#}

with segments as (

    {{ ml_scores_or_empty(source('ml', 'ml_customer_segments'), {
        'customer_id': dbt.type_string(),
        'recency_days': dbt.type_int(),
        'frequency_count': dbt.type_int(),
        'monetary_amount': dbt.type_numeric(),
        'r_score': dbt.type_int(),
        'f_score': dbt.type_int(),
        'm_score': dbt.type_int(),
        'cluster_id': dbt.type_int(),
        'segment_label': dbt.type_string(),
        'as_of_date': 'date',
        'model_version': dbt.type_string(),
    }) }}

),

final as (

    select
        customer_id,
        recency_days,
        frequency_count,
        monetary_amount,
        r_score,
        f_score,
        m_score,
        cluster_id,
        segment_label,
        as_of_date,
        model_version
    from segments

)

select * from final
