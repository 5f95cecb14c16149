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

