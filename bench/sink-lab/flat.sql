PREPARE raw(text[], text[], text[], uuid[], text[], text[], bigint[], bigint[]) AS
INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags, attributes,
                      media_ids, version, source_partition, source_offset)
SELECT t.tenant_id, t.user_id, t.occurred_at::timestamptz, t.memory_id, t.recorded_at::timestamptz, t.content, '{}', '{}', '{}',
       t.version, 0, t.source_offset
FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
     AS t(tenant_id, user_id, occurred_at, memory_id, recorded_at, content, version, source_offset)
ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
    content = EXCLUDED.content, version = EXCLUDED.version, source_offset = EXCLUDED.source_offset
WHERE memories.version < EXCLUDED.version;

PREPARE sink(text[], text[], uuid[], timestamptz[], timestamptz[], text[], text[], jsonb[], text[], bigint[], boolean[], integer[], bigint[]) AS
INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                      attributes, media_ids, version, source_partition, source_offset)
SELECT tenant_id, user_id, occurred_at, memory_id, recorded_at, content,
       CAST(tags_literal AS text[]), attributes, CAST(media_ids_literal AS text[]), version,
       source_partition, source_offset
FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        AS i(tenant_id, user_id, memory_id, occurred_at, recorded_at, content, tags_literal, attributes,
             media_ids_literal, version, deleted, source_partition, source_offset)
ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
    recorded_at = EXCLUDED.recorded_at, content = EXCLUDED.content, tags = EXCLUDED.tags,
    attributes = EXCLUDED.attributes, media_ids = EXCLUDED.media_ids, version = EXCLUDED.version,
    source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset,
    projected_at = now()
WHERE memories.version < EXCLUDED.version;

PREPARE wm(integer[], bigint[]) AS
INSERT INTO projection_watermarks (projection, partition, applied_offset, updated_at)
SELECT 'memories', p, o, now()
FROM unnest($1, $2) AS n(p, o)
ON CONFLICT (projection, partition) DO UPDATE SET
    applied_offset = EXCLUDED.applied_offset, updated_at = now()
WHERE projection_watermarks.applied_offset < EXCLUDED.applied_offset;
