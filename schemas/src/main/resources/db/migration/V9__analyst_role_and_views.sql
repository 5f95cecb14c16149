-- For analysts who query a replica with SQL directly: documented views in schema "analytics" (stable names and
-- columns, no sink bookkeeping) and a read-only role that can read those views and nothing else. Views run with
-- their owner's rights, so the role needs no grant on the underlying tables. The role's settings apply to
-- sessions logged in as it: read-only transactions, a statement timeout, and generic plans (partition pruning
-- at run time instead of a custom plan per parameter set). NB: SQL access is not tenant-scoped: the role sees
-- every tenant (the HTTP query service is the tenant-isolated path). See docs/analysts.md.
CREATE SCHEMA IF NOT EXISTS analytics;

CREATE OR REPLACE VIEW analytics.memories AS
SELECT tenant_id, user_id, memory_id, occurred_at, recorded_at, content, tags, attributes, media_ids, version
FROM public.memories;
COMMENT ON VIEW analytics.memories IS
    'One row per live memory. occurred_at is the user''s time (the table is partitioned by its month).';

CREATE OR REPLACE VIEW analytics.user_activity_daily AS
SELECT tenant_id, user_id, day, memories, media_bytes
FROM public.user_activity_daily;
COMMENT ON VIEW analytics.user_activity_daily IS
    'Per user and UTC day of occurred_at: live memories and bytes of the media they reference.';

CREATE OR REPLACE VIEW analytics.memory_media AS
SELECT r.tenant_id, r.user_id, r.memory_id, r.media_id, o.sha256, o.content_type, o.size
FROM public.memory_media r
JOIN public.media o ON o.tenant_id = r.tenant_id AND o.sha256 = r.sha256;
COMMENT ON VIEW analytics.memory_media IS 'Media referenced by live memories, with their content hash and size.';

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mnemo_reader') THEN
        CREATE ROLE mnemo_reader LOGIN;
    END IF;
END
$$;
ALTER ROLE mnemo_reader SET default_transaction_read_only = on;
ALTER ROLE mnemo_reader SET statement_timeout = '60s';
ALTER ROLE mnemo_reader SET plan_cache_mode = force_generic_plan;
GRANT USAGE ON SCHEMA analytics TO mnemo_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO mnemo_reader;
