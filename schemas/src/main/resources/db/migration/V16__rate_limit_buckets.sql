-- Rate limits shared by every instance of a service (issue 15): one token bucket per service and API key. Instances
-- never ask it per request: each leases chunks of tokens from it in the background (one statement per lease round
-- for all its busy keys), spends them locally, and enforces its own share of the limit alone while Postgres cannot
-- be reached. tokens and updated_at are the bucket's level at that time, refilled lazily by rate up to burst (the
-- key's current limits, written by every lease); granted is what the last lease took.
CREATE TABLE rate_limit_buckets (
    bucket     text             PRIMARY KEY,
    rate       double precision NOT NULL CHECK (rate > 0),
    burst      double precision NOT NULL CHECK (burst > 0),
    tokens     double precision NOT NULL CHECK (tokens >= 0),
    updated_at timestamptz      NOT NULL,
    granted    bigint           NOT NULL
);
COMMENT ON TABLE rate_limit_buckets IS
    'Per-key token buckets shared by the instances of a service (bucket = <service>:<keyId>); leased in chunks.';

-- Ingest and the query service lease from it (V15's roles); nothing else needs it. The query service's pools are
-- read-only: its lease makes its connection read-write itself.
GRANT SELECT, INSERT, UPDATE ON rate_limit_buckets TO mnemo_ingest, mnemo_query;
