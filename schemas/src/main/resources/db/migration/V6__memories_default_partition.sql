-- Safety net: a memory whose month partition is missing (dropped or detached by hand while a sink still
-- believed it existed) lands here instead of failing the sink's batch forever. Nothing should ever be here:
-- the processors export its row count as mnemo_processors_memories_default_partition_rows and log a warning.
CREATE TABLE memories_default PARTITION OF memories DEFAULT;

-- As in V1, and when the month's rows sit in the default partition, moves them into the new month in the same
-- transaction (Postgres refuses to create a partition whose rows are still in the default one).
CREATE OR REPLACE FUNCTION mnemo_ensure_memories_month(month_start date, hash_partitions integer DEFAULT 8)
    RETURNS boolean
    LANGUAGE plpgsql AS
$$
DECLARE
    first_day  date := date_trunc('month', month_start)::date;
    next_day   date := (date_trunc('month', month_start) + interval '1 month')::date;
    month_name text := format('memories_p%s', to_char(first_day, 'YYYYMM'));
    rescued    bigint := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('mnemo_ensure_memories_month'));
    IF to_regclass(month_name) IS NOT NULL THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM memories_default
               WHERE occurred_at >= first_day::timestamp AT TIME ZONE 'UTC'
                 AND occurred_at < next_day::timestamp AT TIME ZONE 'UTC') THEN
        DROP TABLE IF EXISTS mnemo_rescued_memories;
        CREATE TEMP TABLE mnemo_rescued_memories (LIKE memories) ON COMMIT DROP;
        WITH moved AS (
            DELETE FROM memories_default
            WHERE occurred_at >= first_day::timestamp AT TIME ZONE 'UTC'
              AND occurred_at < next_day::timestamp AT TIME ZONE 'UTC'
            RETURNING *)
        INSERT INTO mnemo_rescued_memories SELECT * FROM moved;
        GET DIAGNOSTICS rescued = ROW_COUNT;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF memories FOR VALUES FROM (%L) TO (%L) PARTITION BY HASH (user_id)',
        month_name, first_day::text || ' 00:00:00+00', next_day::text || ' 00:00:00+00');
    FOR i IN 0 .. hash_partitions - 1 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                       month_name || '_h' || i, month_name, hash_partitions, i);
    END LOOP;
    IF rescued > 0 THEN
        INSERT INTO memories SELECT * FROM mnemo_rescued_memories;
        RAISE WARNING 'moved % row(s) of % out of memories_default', rescued, month_name;
    END IF;
    RETURN true;
END
$$;
