#!/bin/bash
# run.sh FILE.sql: empties the tables, replays FILE, prints the backend's CPU µs per row (/proc/<pid>/stat).
LAB=${LAB:-/tmp/lab}
P="psql -q -h 127.0.0.1 -p 5499 -U postgres -d mnemo"
$P -c "TRUNCATE memories, memory_locator, projection_watermarks, projection_offsets" -c "CHECKPOINT" > /dev/null
$P -f "$1" > /dev/null 2> "$LAB/err"; [ -s "$LAB/err" ] && { echo "ERRORS in $1:"; head -3 "$LAB/err"; }
s=$(awk '{print $14+$15}' "$LAB/stat_start"); e=$(awk '{print $14+$15}' "$LAB/stat_end")
echo "$1: backend CPU $(( (e-s)*10000/200000 )) us/row"
