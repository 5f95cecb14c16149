PREPARE sink(text[], text[], uuid[], timestamptz[], timestamptz[], text[], text[], jsonb[], text[], bigint[], boolean[], integer[], bigint[]) AS
WITH input AS (
    SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        AS i(tenant_id, user_id, memory_id, occurred_at, recorded_at, content, tags_literal, attributes,
             media_ids_literal, version, deleted, source_partition, source_offset)
), located AS (
    INSERT INTO memory_locator AS l (tenant_id, user_id, memory_id, occurred_at, version, deleted, updated_at)
    SELECT tenant_id, user_id, memory_id,
           CASE WHEN deleted THEN TIMESTAMPTZ '1970-01-01 00:00:00+00' ELSE occurred_at END, version, deleted, now()
    FROM input ORDER BY tenant_id, user_id, memory_id
    ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET
        occurred_at = CASE WHEN EXCLUDED.deleted THEN l.occurred_at ELSE EXCLUDED.occurred_at END,
        version = EXCLUDED.version, deleted = EXCLUDED.deleted, updated_at = now()
    WHERE l.version < EXCLUDED.version
    RETURNING new.tenant_id, new.user_id, new.memory_id, old.occurred_at AS old_occurred_at,
              coalesce(old.deleted, true) AS old_deleted, old.memory_id IS NOT NULL AS known
), applicable AS (
    SELECT i.*, l.old_occurred_at, l.old_deleted, l.known
    FROM input i JOIN located l USING (tenant_id, user_id, memory_id)
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
)
SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM upserted) AS upserted,
       (SELECT count(*) FROM located) AS located;

