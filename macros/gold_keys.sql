{#
    Surrogate keys of the gold star schema.

    gold_surrogate_key: a stable bigint built from the natural key parts. Each part is
    cast to text and NULL is replaced by a sentinel before hashing, so a NULL part never
    turns the whole key NULL; the first 15 hex digits of the md5 (60 bits) fit a
    positive bigint. Same inputs, same key, on every run and every incremental batch.

    dimension_key: the one place where a fact resolves a dimension key it may not find.
    -1 = unknown member (the reference is missing or the dimension does not hold it);
    -2 = not applicable, only for an optional reference that is NULL (pass it as
    optional_reference), e.g. a transfer has no merchant.
#}

{% macro gold_surrogate_key(parts) -%}
    {%- set fields = [] -%}
    {%- for part in parts -%}
        {%- do fields.append(
            "coalesce(cast(" ~ part ~ " as " ~ dbt.type_string() ~ "), '_null_')"
        ) -%}
        {%- if not loop.last %}{% do fields.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ hash_to_bigint(dbt.hash(dbt.concat(fields))) }}
{%- endmacro %}


{% macro hash_to_bigint(hex_expression) -%}
    {{ return(adapter.dispatch('hash_to_bigint')(hex_expression)) }}
{%- endmacro %}

{% macro default__hash_to_bigint(hex_expression) -%}
    cast(conv(substr({{ hex_expression }}, 1, 15), 16, 10) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro postgres__hash_to_bigint(hex_expression) -%}
    ('x' || substr({{ hex_expression }}, 1, 15))::bit(60)::bigint
{%- endmacro %}


{% macro unknown_member_key() -%}
    -1
{%- endmacro %}

{% macro not_applicable_member_key() -%}
    -2
{%- endmacro %}


{% macro dimension_key(resolved_key, optional_reference=none) -%}
    {%- if optional_reference is none -%}
        coalesce({{ resolved_key }}, {{ unknown_member_key() }})
    {%- else -%}
        case
            when {{ optional_reference }} is null then {{ not_applicable_member_key() }}
            else coalesce({{ resolved_key }}, {{ unknown_member_key() }})
        end
    {%- endif -%}
{%- endmacro %}


{#
    delete_rows_missing_upstream: an incremental model keeps only rows whose natural key
    is still staged upstream (silver can withdraw a row later, e.g. when its parent is
    deleted), so an incremental run ends with the same rows as a full refresh.
    The models that call it write every key the upstream holds on each incremental run
    (keys are unique in both), so after the write they hold a withdrawn key exactly when
    they hold more rows than the upstream: the two counts (index-only scans) are a one-time
    filter, and the anti-join over every row runs only then.
#}
{% macro delete_rows_missing_upstream(target_relation, upstream_relation, key_column) -%}
    delete from {{ target_relation }} as kept
    where
        (select count(*) from {{ target_relation }})
        <> (select count(*) from {{ upstream_relation }})
        and not exists (
            select 1
            from {{ upstream_relation }} as upstream
            where upstream.{{ key_column }} = kept.{{ key_column }}
        )
{%- endmacro %}
