{{ config(materialized='view') }}

{#
    The run records of the models (gold.ml_model_runs, written by `make ml`): one row per
    model version, which every score row must name. Empty before the first `make ml`.
#}

with runs as (

    {{ ml_scores_or_empty(source('ml', 'ml_model_runs'), {
        'model_version': dbt.type_string(),
        'model_name': dbt.type_string(),
        'test_start_date': 'date',
        'test_end_date': 'date',
        'roc_auc': dbt.type_numeric(),
        'loaded_at': 'timestamp with time zone',
    }) }}

),

final as (

    select
        model_version,
        model_name,
        test_start_date,
        test_end_date,
        roc_auc,
        loaded_at
    from runs

)

select * from final
