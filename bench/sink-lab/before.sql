PREPARE sink(text[], text[], uuid[], timestamptz[], timestamptz[], text[], text[], jsonb[], text[], bigint[], boolean[], integer[], bigint[]) AS
WITH input AS (
    SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        AS i(tenant_id, user_id, memory_id, occurred_at, recorded_at, content, tags_literal, attributes,
             media_ids_literal, version, deleted, source_partition, source_offset)
), locked AS (
    SELECT l.tenant_id, l.user_id, l.memory_id, l.occurred_at, l.version, l.deleted
    FROM memory_locator l JOIN input i USING (tenant_id, user_id, memory_id)
    ORDER BY l.tenant_id, l.user_id, l.memory_id
    FOR UPDATE OF l
), applicable AS (
    SELECT i.*, l.occurred_at AS old_occurred_at, coalesce(l.deleted, true) AS old_deleted,
           l.memory_id IS NOT NULL AS known
    FROM input i LEFT JOIN locked l USING (tenant_id, user_id, memory_id)
    WHERE l.version IS NULL OR l.version < i.version
), removed AS (
    DELETE FROM memories m USING applicable a
    WHERE a.known AND NOT a.old_deleted AND (a.deleted OR a.old_occurred_at <> a.occurred_at)
      AND m.tenant_id = a.tenant_id AND m.user_id = a.user_id AND m.occurred_at = a.old_occurred_at
      AND m.memory_id = a.memory_id
    RETURNING 1
), upserted AS (
    INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                          attributes, media_ids, version, source_partition, source_offset)
    SELECT tenant_id, user_id, occurred_at, memory_id, recorded_at, content,
           CAST(tags_literal AS text[]), attributes, CAST(media_ids_literal AS text[]), version,
           source_partition, source_offset
    FROM applicable WHERE NOT deleted
    ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
        recorded_at = EXCLUDED.recorded_at, content = EXCLUDED.content, tags = EXCLUDED.tags,
        attributes = EXCLUDED.attributes, media_ids = EXCLUDED.media_ids, version = EXCLUDED.version,
        source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset,
        projected_at = now()
    WHERE memories.version < EXCLUDED.version
    RETURNING 1
), located AS (
    INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted, updated_at)
    SELECT tenant_id, user_id, memory_id,
           CASE WHEN deleted THEN coalesce(old_occurred_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')
                ELSE occurred_at END,
           version, deleted, now()
    FROM applicable
    ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET
        occurred_at = EXCLUDED.occurred_at, version = EXCLUDED.version, deleted = EXCLUDED.deleted,
        updated_at = now()
    WHERE memory_locator.version < EXCLUDED.version
    RETURNING 1
)
SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM upserted) AS upserted,
       (SELECT count(*) FROM located) AS located;

