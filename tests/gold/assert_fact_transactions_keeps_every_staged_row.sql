-- Facts are counted, never dropped: every staged transaction is in the fact table,
-- whatever its dimension references resolved to.
with staged as (

    select * from {{ ref('stg_transactions') }}

),

facts as (

    select * from {{ ref('fact_transactions') }}

)

select staged.transaction_id
from staged
left join facts
    on staged.transaction_id = facts.transaction_id
where facts.transaction_id is null
