#!/bin/bash
# gen.sh MODE PREPFILE > script ; MODE raw|sink|gset
mode=$1; prep=$2; LAB=${LAB:-/tmp/lab}
echo "\\set QUIET on"; cat "$(dirname "$0")/common.sql" "$prep"
echo "SELECT pg_backend_pid() AS bp \\gset"
echo "\\setenv BP :bp"; echo "\\! cat /proc/\$BP/stat > $LAB/stat_start"
for ((b=0; b<400; b++)); do lo=$((b*500)); hi=$((lo+499))
 if [ $mode = raw ]; then
  echo "SELECT array_agg(tenant_id ORDER BY n) a1, array_agg(user_id ORDER BY n) a2, array_agg(occurred_at::text ORDER BY n) a3, array_agg(memory_id ORDER BY n) a4, array_agg(recorded_at::text ORDER BY n) a5, array_agg(content ORDER BY n) a6, array_agg(1::bigint ORDER BY n) a7, array_agg(n::bigint ORDER BY n) a8 FROM src WHERE n BETWEEN $lo AND $hi \\gset"
  echo "BEGIN; EXECUTE raw(:'a1',:'a2',:'a3',:'a4',:'a5',:'a6',:'a7',:'a8'); COMMIT;"
 else
  echo "SELECT array_agg(tenant_id ORDER BY n) a1, array_agg(user_id ORDER BY n) a2, array_agg(memory_id ORDER BY n) a3, array_agg(occurred_at ORDER BY n) a4, array_agg(recorded_at ORDER BY n) a5, array_agg(content ORDER BY n) a6, array_agg('{}'::text ORDER BY n) a7, array_agg('{}'::jsonb ORDER BY n) a8, array_agg('{}'::text ORDER BY n) a9, array_agg(1::bigint ORDER BY n) a10, array_agg(false ORDER BY n) a11, array_agg(n % 12 ORDER BY n) a12, array_agg(n::bigint ORDER BY n) a13 FROM src WHERE n BETWEEN $lo AND $hi \\gset"
  if [ $mode = sink ]; then
  echo "BEGIN; SELECT true FROM pg_advisory_xact_lock_shared(hashtext('mnemo-fence:public.memories')) \\g /dev/null"
  echo "EXECUTE sink(:'a1',:'a2',:'a3',:'a4',:'a5',:'a6',:'a7',:'a8',:'a9',:'a10',:'a11',:'a12',:'a13') \\g /dev/null"
  echo "EXECUTE wm(ARRAY[0,1,2,3,4,5,6,7,8,9,10,11], ARRAY[$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi]::bigint[]);"
  echo "INSERT INTO projection_offsets (projection, topic, partition, next_offset, updated_at) SELECT 'memories', 't', p, o, now() FROM unnest(ARRAY[0,1,2,3,4,5,6,7,8,9,10,11], ARRAY[$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi,$hi]::bigint[]) AS n(p, o) ON CONFLICT (projection, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now() WHERE projection_offsets.next_offset < EXCLUDED.next_offset;"
  echo "COMMIT;"
  fi
 fi
done
echo "\\! cat /proc/\$BP/stat > $LAB/stat_end"
