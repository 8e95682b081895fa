with

clean_customers as (

    select * from {{ ref('clean_customers') }}

),

accepted as (

    select *
    from clean_customers
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        customer_id,
        first_name,
        last_name,
        email,
        phone,
        date_of_birth,
        gender,
        address,
        city,
        state,
        postal_code,
        country,
        customer_segment,
        annual_income,
        credit_score,
        employment_status,
        risk_rating,
        customer_status,
        preferred_channel,
        created_at,
        updated_at,
        is_email_valid,
        is_phone_valid,
        is_complete,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
