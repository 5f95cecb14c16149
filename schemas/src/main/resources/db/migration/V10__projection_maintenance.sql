-- Online maintenance of projections (mnemo replay, mnemo rebuild).
--
-- A rebuild writes a fresh copy of a projection's tables into a schema of its own (mnemo_rebuild_<projection>)
-- with the same writer code, resolving table names through search_path. Month partitions must therefore be
-- created in the schema the caller writes to: current_schema(), the first schema of search_path that exists
-- (public for the live sinks, the candidate schema for a rebuild). Otherwise as in V6.
CREATE OR REPLACE FUNCTION mnemo_ensure_memories_month(month_start date, hash_partitions integer DEFAULT 8)
    RETURNS boolean
    LANGUAGE plpgsql AS
$$
DECLARE
    target     text := current_schema();
    first_day  date := date_trunc('month', month_start)::date;
    next_day   date := (date_trunc('month', month_start) + interval '1 month')::date;
    month_name text := format('memories_p%s', to_char(first_day, 'YYYYMM'));
    lower_ts   timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    upper_ts   timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    stranded   boolean;
    rescued    bigint := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('mnemo_ensure_memories_month'));
    IF to_regclass(format('%I.%I', target, month_name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.memories_default WHERE occurred_at >= $1 AND occurred_at < $2)',
                   target) INTO stranded USING lower_ts, upper_ts;
    IF stranded THEN
        DROP TABLE IF EXISTS mnemo_rescued_memories;
        EXECUTE format('CREATE TEMP TABLE mnemo_rescued_memories (LIKE %I.memories) ON COMMIT DROP', target);
        EXECUTE format('WITH moved AS (DELETE FROM %I.memories_default WHERE occurred_at >= $1 AND occurred_at < $2 '
                       'RETURNING *) INSERT INTO mnemo_rescued_memories SELECT * FROM moved', target)
            USING lower_ts, upper_ts;
        GET DIAGNOSTICS rescued = ROW_COUNT;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I.%I PARTITION OF %I.memories FOR VALUES FROM (%L) TO (%L) PARTITION BY HASH (user_id)',
        target, month_name, target, first_day::text || ' 00:00:00+00', next_day::text || ' 00:00:00+00');
    FOR i IN 0 .. hash_partitions - 1 LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                       target, month_name || '_h' || i, target, month_name, hash_partitions, i);
    END LOOP;
    IF rescued > 0 THEN
        EXECUTE format('INSERT INTO %I.memories SELECT * FROM mnemo_rescued_memories', target);
        RAISE WARNING 'moved % row(s) of %.% out of memories_default', rescued, target, month_name;
    END IF;
    RETURN true;
END
$$;

-- The replay or rebuild of a projection that runs or last ran: what `mnemo status` shows, and where a rebuild
-- that was interrupted resumes (its candidate schema keeps its own offsets beside its rows). Whether it is
-- running right now is told by the session-level advisory lock the command holds, not by this row.
CREATE TABLE projection_maintenance (
    projection    text        NOT NULL,
    operation     text        NOT NULL CHECK (operation IN ('replay', 'rebuild')),
    phase         text        NOT NULL,
    schema_name   text        NULL,
    records_done  bigint      NOT NULL DEFAULT 0,
    records_total bigint      NULL,
    detail        text        NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz NULL,
    PRIMARY KEY (projection, operation)
);
