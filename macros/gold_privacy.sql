{#
    Personal data in gold: what the gold reader (analyst) may see of a customer.

    pii_hmac(expression, key_relation): keyed HMAC-SHA256 (RFC 2104) of a text, as 64 hex
    characters. The key lives beside the embedded server's password (never in the repo);
    scripts/db.py installs its inner and outer padded forms in private.pii_hmac_key, which
    only the role that builds gold can read, so the reader cannot hash a known address and
    look it up. Written with the built-in sha256() because the pgserver build has no
    pgcrypto. The uncorrelated subqueries run once per statement (an InitPlan).
#}
{% macro pii_hmac(expression, key_relation) %}
    encode(
        sha256(
            decode((select outer_pad_hex from {{ key_relation }}), 'hex')
            || sha256(
                decode((select inner_pad_hex from {{ key_relation }}), 'hex')
                || convert_to({{ expression }}, 'UTF8')
            )
        ),
        'hex'
    )
{% endmacro %}

{#
    us_census_region(state): the US Census Bureau region of a two-letter state code
    (Northeast, Midwest, South, West), or 'other' outside the 50 states and DC. Gold shows
    the region instead of city and state, which made most customers unique.
#}
{% macro us_census_region(state) %}
    case
        when {{ state }} in ('CT', 'ME', 'MA', 'NH', 'RI', 'VT', 'NJ', 'NY', 'PA')
            then 'Northeast'
        when {{ state }} in ('IL', 'IN', 'MI', 'OH', 'WI', 'IA', 'KS', 'MN', 'MO', 'NE', 'ND', 'SD')
            then 'Midwest'
        when {{ state }} in (
            'DE', 'DC', 'FL', 'GA', 'MD', 'NC', 'SC', 'VA', 'WV', 'AL', 'KY', 'MS', 'TN',
            'AR', 'LA', 'OK', 'TX'
        )
            then 'South'
        when {{ state }} in (
            'AZ', 'CO', 'ID', 'MT', 'NV', 'NM', 'UT', 'WY', 'AK', 'CA', 'HI', 'OR', 'WA'
        )
            then 'West'
        when {{ state }} is null then 'unknown'
        else 'other'
    end
{% endmacro %}
