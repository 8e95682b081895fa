{{ config(materialized='view') }}

{#
    The fraud model's scores (gold.ml_fraud_scores, written by `make ml`), typed and tested
    here once: one row per transaction, a probability in [0, 1], a known model version.
    Before the first `make ml` the source table does not exist and this view is empty.
#}

with scores as (

    {{ ml_scores_or_empty(source('ml', 'ml_fraud_scores'), {
        'transaction_id': dbt.type_string(),
        'fraud_score': dbt.type_numeric(),
        'is_flagged': dbt.type_boolean(),
        'threshold': dbt.type_numeric(),
        'data_split': dbt.type_string(),
        'model_version': dbt.type_string(),
    }) }}

),

final as (

    select
        transaction_id,
        fraud_score,
        is_flagged,
        threshold,
        data_split,
        model_version
    from scores

)

select * from final
