{#
    The stable reason codes of silver's rejected rows, in the order the base models test
    them (the first rule a row breaks is its reason). reconciliation counts each one.
#}
{% macro silver_rejection_reasons() -%}
    {{ return([
        'value_too_long',
        'missing_required_field',
        'invalid_code',
        'invalid_amount',
        'invalid_value',
        'future_timestamp',
        'before_data_start',
        'invalid_date_range',
        'orphan_account',
        'orphan_customer',
        'orphan_product',
        'orphan_transaction',
        'before_account_opened',
        'parent_rejected',
        'conflicting_duplicate',
    ]) }}
{%- endmacro %}
