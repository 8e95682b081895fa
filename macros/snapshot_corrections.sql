{#
    The `timestamp_with_corrections` snapshot strategy: dbt's timestamp strategy, plus a
    correction rule. A source that fixes a value in place without moving updated_at (a blank
    opening date, an orphan owner restored by the next extract) still changes the row's
    content_hash, and the corrected row replaces the version it corrects:

    - updated_at newer than the current version: a new version from updated_at (as dbt's
      timestamp strategy);
    - the same updated_at, other content, and no less quality: the corrected row is
      inserted as the version from that updated_at, and the one it replaces closes at its
      own start, so it is valid for no time at all; `delete_superseded_versions` (a
      post-hook) removes it, and every reader sees the corrected value over the whole
      version. Quality (`content_quality`, from `snapshot_content_quality`) counts the
      values silver accepted: present, and for references known. So a later extract that
      blanks a value or breaks a reference without moving updated_at (a defect, not a
      change) never replaces a good version, while one that restores it does;
    - updated_at older than the current version: a stale re-send; history never moves back,
      the current version stays (tests/silver/assert_master_extract_not_older_than_history
      lists such rows as a source finding).

    The snapshot's query must return `content_hash` (row_content_hash of its columns) and
    `content_quality`. The
    scd id hashes it too, so a corrected version never reuses the id of the one it replaces.
    A snapshot table built before these columns existed is compared on updated_at alone
    until its first run adds them.
#}
{% macro snapshot_timestamp_with_corrections_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
    {%- set strategy = snapshot_timestamp_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() %}
    {%- set held_columns = [] %}
    {%- if target_exists %}
    {%- set target = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
    {%- set held_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list %}
    {%- endif %}

    {%- set row_changed_expr -%}
        (
            {{ snapshotted_rel }}.{{ columns.dbt_valid_from }} < {{ current_rel }}.{{ strategy.updated_at }}
            {%- if 'content_hash' in held_columns and 'content_quality' in held_columns %}
            or (
                {{ snapshotted_rel }}.{{ columns.dbt_valid_from }} = {{ current_rel }}.{{ strategy.updated_at }}
                and {{ snapshotted_rel }}.content_hash <> {{ current_rel }}.content_hash
                and {{ snapshotted_rel }}.content_quality <= {{ current_rel }}.content_quality
            )
            {%- endif %}
        )
    {%- endset %}

    {%- do strategy.update({
        'row_changed': row_changed_expr,
        'scd_id': snapshot_hash_arguments([strategy.unique_key, strategy.updated_at, 'content_hash']),
    }) %}
    {{ return(strategy) }}
{% endmacro %}


{#- post-hook of the snapshots: drop the versions a correction replaced (valid for no time) -#}
{% macro delete_superseded_versions(relation) -%}
    delete from {{ relation }}
    where dbt_valid_from = dbt_valid_to
{%- endmacro %}


{#- how many of a row's values silver accepted: each column present, each reference known
    (`known_flags`: boolean columns, false when the referenced key is unknown) -#}
{% macro snapshot_content_quality(columns, known_flags=[]) -%}
    (
        {%- for column in columns %}
        case when {{ column }} is not null then 1 else 0 end
        {%- if not loop.last %} +{% endif %}
        {%- endfor %}
        {%- for flag in known_flags %}
        + case when {{ flag }} then 1 else 0 end
        {%- endfor %}
    )
{%- endmacro %}
