-- Least privilege (issue 15): one login role per service, granted what that service's code does and nothing else.
--
--   owner          whoever runs these migrations (the superuser in dev, the database's admin login in production):
--                  owns every table and function, runs the operator commands (replay, rebuild, reconcile, backup,
--                  restore, db promote, keys). Not created here.
--   mnemo_ingest   reads api_keys; reads and writes user_data_keys (makes a user's key on the first write, erases it)
--   mnemo_query    reads api_keys (on the primary) and the projections the query service serves; read-only sessions
--   mnemo_processor writes the projections and their offsets and watermarks, reads user_data_keys (the sinks open
--                  sealed content), creates memories months through mnemo_ensure_memories_month (below)
--   mnemo_reader   analysts (V9): the analytics views only
--
-- Roles are cluster-global (a second database on the same server, a restore, finds them already there), so they
-- are created only when missing; grants are per database. No password is set here: passwords never live in SQL
-- files. The migration runner sets them from the environment (ProjectionMigrations, MNEMO_PG_<ROLE>_PASSWORD);
-- a role without a password can only log in where pg_hba trusts it (the devstack's loopback). Streaming replicas
-- get the roles and grants with the WAL.
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['mnemo_ingest', 'mnemo_query', 'mnemo_processor'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', name);
        END IF;
    END LOOP;
END
$$;
-- No default_transaction_read_only for mnemo_query: pgjdbc finds the primary of a multi-host URL
-- (targetServerType=primary, the query service's HA setup) by asking transaction_read_only, so a read-only default
-- makes the primary look like a standby. The query service's pools are read-only instead (readOnlyByDefault), and
-- the role holds no write grant but on rate_limit_buckets (V16).

-- Nobody but the owner creates objects in public (PostgreSQL 15 and later already default to this).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO mnemo_ingest, mnemo_query, mnemo_processor;

-- Month partitions: CREATE TABLE ... PARTITION OF needs ownership of the parent, and the processors must not own
-- the projection (an owner can drop it, alter it, grant it away). So the month is created by
-- mnemo_create_memories_month, which runs with its owner's rights (SECURITY DEFINER) under a fixed search_path
-- (pg_catalog, then pg_temp: a caller's temporary table named like a catalog cannot stand in for it), names every
-- object with its schema, and creates a month only under a memories table that its owner owns (public's, a rebuild's
-- copy, a retired copy being swapped back): a caller cannot make it create tables anywhere else. The function the
-- writers call keeps its name and its meaning (the month goes to the first schema of the caller's search_path, V10:
-- a rebuild writes its copy that way); it runs with the caller's rights and passes that schema on. Only the
-- processors (and the owner) may call either.
CREATE OR REPLACE FUNCTION mnemo_create_memories_month(target text, month_start date, hash_partitions integer)
    RETURNS boolean
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
    first_day  date := date_trunc('month', month_start)::date;
    next_day   date := (date_trunc('month', month_start) + interval '1 month')::date;
    month_name text := format('memories_p%s', to_char(first_day, 'YYYYMM'));
    lower_ts   timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    upper_ts   timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    stranded   boolean;
    rescued    bigint := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = target AND c.relname = 'memories' AND c.relkind = 'p'
                     AND c.relowner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)) THEN
        RAISE EXCEPTION 'no memories table of % in schema %: months are created only under the owner''s',
            current_user, target USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF hash_partitions < 1 OR hash_partitions > 256 THEN
        RAISE EXCEPTION 'hash_partitions must be 1 to 256, not %', hash_partitions;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('mnemo_ensure_memories_month'));
    IF to_regclass(format('%I.%I', target, month_name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.memories_default WHERE occurred_at >= $1 AND occurred_at < $2)',
                   target) INTO stranded USING lower_ts, upper_ts;
    IF stranded THEN
        DROP TABLE IF EXISTS pg_temp.mnemo_rescued_memories;
        EXECUTE format('CREATE TEMP TABLE mnemo_rescued_memories (LIKE %I.memories) ON COMMIT DROP', target);
        EXECUTE format('WITH moved AS (DELETE FROM %I.memories_default WHERE occurred_at >= $1 AND occurred_at < $2 '
                       'RETURNING *) INSERT INTO pg_temp.mnemo_rescued_memories SELECT * FROM moved', target)
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
        EXECUTE format('INSERT INTO %I.memories SELECT * FROM pg_temp.mnemo_rescued_memories', target);
        RAISE WARNING 'moved % row(s) of %.% out of memories_default', rescued, target, month_name;
    END IF;
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION mnemo_create_memories_month(text, date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mnemo_create_memories_month(text, date, integer) TO mnemo_processor;

CREATE OR REPLACE FUNCTION mnemo_ensure_memories_month(month_start date, hash_partitions integer DEFAULT 8)
    RETURNS boolean
    LANGUAGE sql
    SECURITY INVOKER AS
$$
SELECT public.mnemo_create_memories_month(current_schema(), month_start, hash_partitions)
$$;
REVOKE ALL ON FUNCTION mnemo_ensure_memories_month(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mnemo_ensure_memories_month(date, integer) TO mnemo_processor;

-- The services' grants, table by table, in one place. Not ALTER DEFAULT PRIVILEGES: a default would hand the
-- query service (or the processors) every table a later migration adds, a secret one included. A migration that
-- adds a table replaces this function with the table in it and calls it; a rebuild calls it after its swap (the
-- tables it moves into public are new tables, without the old ones' grants). Idempotent.
CREATE OR REPLACE FUNCTION mnemo_grant_service_privileges()
    RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    -- ingest: authenticates callers, makes and erases the users' data keys
    GRANT SELECT ON public.api_keys TO mnemo_ingest;
    GRANT SELECT, INSERT, UPDATE ON public.user_data_keys TO mnemo_ingest;

    -- query: authenticates callers (on the primary) and reads the projections it serves
    GRANT SELECT ON public.api_keys, public.memories, public.memory_locator, public.memory_search,
        public.user_activity_daily, public.media, public.memory_media, public.projection_watermarks TO mnemo_query;

    -- processors: the projections and their bookkeeping; the users' keys to open sealed content
    GRANT SELECT, INSERT, UPDATE, DELETE ON public.memories, public.memories_default, public.memory_locator,
        public.memory_search, public.user_activity_daily, public.media, public.memory_media,
        public.media_memory_versions, public.projection_offsets, public.projection_watermarks TO mnemo_processor;
    GRANT SELECT ON public.projection_maintenance, public.user_data_keys TO mnemo_processor;
END
$$;
REVOKE ALL ON FUNCTION mnemo_grant_service_privileges() FROM PUBLIC;
SELECT mnemo_grant_service_privileges();
