#!/bin/bash
# Streaming replica: on an empty volume, clone the primary with pg_basebackup (-R writes standby.signal and
# primary_conninfo, -C -S creates its replication slot, so the primary keeps the WAL it still needs), then run
# postgres as a hot standby. Retries while the primary is not yet accepting replication connections.
set -euo pipefail
export PGDATA="${PGDATA:-/var/lib/postgresql/18/docker}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  export PGPASSWORD="$MNEMO_REPLICATION_PASSWORD"
  until pg_basebackup --host=postgres-primary --username=replicator --pgdata="$PGDATA" \
      --wal-method=stream --write-recovery-conf --create-slot --slot=replica_1 --checkpoint=fast; do
    echo "replica: primary not ready for a base backup, retrying in 2 s" >&2
    rm -rf "${PGDATA:?}"/*
    sleep 2
  done
  unset PGPASSWORD
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on -c max_connections=200 -c shared_buffers=512MB
