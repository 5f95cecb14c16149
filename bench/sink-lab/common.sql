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

PREPARE wm(integer[], bigint[]) AS
INSERT INTO projection_watermarks (projection, partition, applied_offset, updated_at)
SELECT 'memories', p, o, now()
FROM unnest($1, $2) AS n(p, o)
ON CONFLICT (projection, partition) DO UPDATE SET
    applied_offset = EXCLUDED.applied_offset, updated_at = now()
WHERE projection_watermarks.applied_offset < EXCLUDED.applied_offset;
