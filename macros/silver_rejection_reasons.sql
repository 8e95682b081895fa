{#
    The stable reason codes of silver's rejected rows, in the order they are tested (the
    first rule a row breaks is its reason). reconciliation counts each one.

    silver_value_rejection_reasons: the rules of a row's own values and its batch, which
        the clean_* models test; a row that breaks one is rejected whatever it refers to.
    silver_reference_rejection_reasons: the rules of what a row refers to, which the
        judged_* models test against the registries after, on the rows the clean_* models
        accepted (so a fault of the row's own always comes first). Fraud alerts test
        orphan_transaction and parent_rejected before orphan_customer (the transaction is
        what an alert is about); every other table tests them in this order.
    conflicting_duplicate comes last: it compares the rows of one key and load that are
        still accepted after both steps.
#}
{% macro silver_value_rejection_reasons() -%}
    {{ return([
        'value_too_long',
        'missing_required_field',
        'invalid_code',
        'invalid_amount',
        'invalid_value',
        'future_timestamp',
        'before_data_start',
        'invalid_date_range',
    ]) }}
{%- endmacro %}


{% macro silver_reference_rejection_reasons() -%}
    {{ return([
        'orphan_account',
        'orphan_customer',
        'orphan_product',
        'orphan_transaction',
        'before_account_opened',
        'parent_rejected',
    ]) }}
{%- endmacro %}


{% macro silver_rejection_reasons() -%}
    {{ return(silver_value_rejection_reasons() + silver_reference_rejection_reasons() + ['conflicting_duplicate']) }}
{%- endmacro %}
