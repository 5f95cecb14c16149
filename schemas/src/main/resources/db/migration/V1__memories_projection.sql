-- The memories projection: one row per live memory, written only by the stream-processors' sink.
-- Partitioned by month of the user's time (occurred_at, UTC months) and, inside each month, by hash of
-- user_id so one heavy month can be vacuumed and scanned in smaller pieces. Months are created ahead of
-- time and on demand by mnemo_ensure_memories_month().
CREATE TABLE memories (
    tenant_id        text        NOT NULL,
    user_id          text        NOT NULL,
    occurred_at      timestamptz NOT NULL,
    memory_id        uuid        NOT NULL,
    recorded_at      timestamptz NOT NULL,
    content          text        NOT NULL,
    tags             text[]      NOT NULL DEFAULT '{}',
    attributes       jsonb       NOT NULL DEFAULT '{}',
    media_ids        text[]      NOT NULL DEFAULT '{}',
    version          bigint      NOT NULL,
    source_partition integer     NOT NULL,
    source_offset    bigint      NOT NULL,
    projected_at     timestamptz NOT NULL DEFAULT now(),
    -- Every partition key must be part of a unique index on a partitioned table, hence occurred_at here.
    -- The same btree, scanned backwards, serves the keyset order (occurred_at DESC, memory_id DESC).
    PRIMARY KEY (tenant_id, user_id, occurred_at, memory_id)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX memories_tags ON memories USING gin (tags);
CREATE INDEX memories_content_search ON memories USING gin (to_tsvector('simple', content));

-- Creates the month containing month_start (and its hash sub-partitions) unless it exists.
-- Serialised by an advisory lock so concurrent sink instances cannot race on CREATE TABLE.
-- Returns true when it created the month.
CREATE FUNCTION mnemo_ensure_memories_month(month_start date, hash_partitions integer DEFAULT 8)
    RETURNS boolean
    LANGUAGE plpgsql AS
$$
DECLARE
    first_day  date := date_trunc('month', month_start)::date;
    next_day   date := (date_trunc('month', month_start) + interval '1 month')::date;
    month_name text := format('memories_p%s', to_char(first_day, 'YYYYMM'));
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('mnemo_ensure_memories_month'));
    IF to_regclass(month_name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF memories FOR VALUES FROM (%L) TO (%L) PARTITION BY HASH (user_id)',
        month_name, first_day::text || ' 00:00:00+00', next_day::text || ' 00:00:00+00');
    FOR i IN 0 .. hash_partitions - 1 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                       month_name || '_h' || i, month_name, hash_partitions, i);
    END LOOP;
    RETURN true;
END
$$;
