{{ config(materialized='view') }}

{#
    The churn model's scores (gold.ml_churn_scores, written by `make ml`), typed and
    tested here once so the analytics models read a checked relation: one row per current
    customer, a probability in [0, 1], a known model version. Before the first `make ml`
    the source table does not exist and this view is empty (ml_scores_or_empty).
#}

with scores as (

    {{ ml_scores_or_empty(source('ml', 'ml_churn_scores'), {
        'customer_id': dbt.type_string(),
        'churn_score': dbt.type_numeric(),
        'churn_risk_band': dbt.type_string(),
        'top_driver': dbt.type_string(),
        'as_of_month_date': 'date',
        'horizon_months': dbt.type_int(),
        'model_version': dbt.type_string(),
    }) }}

),

final as (

    select
        customer_id,
        churn_score,
        churn_risk_band,
        top_driver,
        as_of_month_date,
        horizon_months,
        model_version
    from scores

)

select * from final
