-- Per user per UTC day (of the memories' occurred_at): live memories and the bytes of the media they reference.
-- Written only by the activity sink from the compacted mnemo.user-activity.v1 topic, whose values are absolute
-- totals: the sink overwrites, it never adds, so a redelivery or replay cannot double anything. A day that falls
-- back to zero is deleted. source_offset orders the values of a key (all of a user's values come from the
-- same event-log partition), so a replay of older values cannot overwrite a newer one. (A zeroed day is
-- deleted for erasure's sake; a replay that re-applies older values re-applies the later zero too.)
CREATE TABLE user_activity_daily (
    tenant_id        text        NOT NULL,
    user_id          text        NOT NULL,
    day              date        NOT NULL,
    memories         bigint      NOT NULL CHECK (memories >= 0),
    media_bytes      bigint      NOT NULL CHECK (media_bytes >= 0),
    source_partition integer     NOT NULL,
    source_offset    bigint      NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, day)
);

-- Tenant-wide analytics by day range.
CREATE INDEX user_activity_daily_by_tenant_day ON user_activity_daily (tenant_id, day);

