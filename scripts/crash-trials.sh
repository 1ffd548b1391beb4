#!/usr/bin/env bash
# Crash trials: kill -9 an import at random points, N times, and check the store each time.
#
#   scripts/crash-trials.sh [TRIALS] [EVENTS]     (defaults: 20 trials, 200000 events)
#
# The store first holds a small earlier import. Each trial starts `refold import` of a
# large file into a copy of that store, kills it with SIGKILL after a random delay within
# the time a whole import takes, then checks: `PRAGMA integrity_check` says ok, and the
# store holds either the earlier events alone or the earlier events and the whole file
# (all or nothing). A re-import (idempotent: every event has an id) then completes and the
# count is whole. Not part of the
# test command: it takes minutes. Needs sqlite3 and a built refold (swift build).
set -euo pipefail

trials=${1:-20}
events=${2:-200000}
here=$(cd "$(dirname "$0")/.." && pwd)
refold=${REFOLD:-$here/.build/debug/refold}
work=$(mktemp -d "${TMPDIR:-/tmp}/refold-crash.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$events" <<'PY'
import json, sys
work, events = sys.argv[1], int(sys.argv[2])
with open(f"{work}/earlier.jsonl", "w") as out:
    for seq in range(100):
        out.write(json.dumps({"thread": "earlier", "seq": seq, "id": f"earlier-{seq}",
                              "type": "slack_message",
                              "data": {"text": f"m{seq}"}}, separators=(",", ":")) + "\n")
per_thread = 50
with open(f"{work}/large.jsonl", "w") as out:
    for n in range(events):
        thread, seq = divmod(n, per_thread)
        out.write(json.dumps({"thread": f"t-{thread}", "seq": seq, "id": f"e-{n}",
                              "type": "slack_message",
                              "data": {"text": f"event {n} of a large import"}},
                             separators=(",", ":")) + "\n")
PY

"$refold" import "$work/earlier.jsonl" --db "$work/base.sqlite" >/dev/null
earlier=$(sqlite3 "$work/base.sqlite" "SELECT count(*) FROM events")

# How long a whole import takes, to spread the kills over it.
cp "$work/base.sqlite" "$work/timing.sqlite"
start=$(date +%s.%N)
"$refold" import "$work/large.jsonl" --db "$work/timing.sqlite" >/dev/null
full_seconds=$(echo "$(date +%s.%N) - $start" | bc)
full=$(sqlite3 "$work/timing.sqlite" "SELECT count(*) FROM events")
echo "whole import: $events events in ${full_seconds} s; store then holds $full events"

corrupt=0 partial=0 lost=0 reimport_failed=0 nothing=0 whole=0
for trial in $(seq 1 "$trials"); do
  db="$work/trial.sqlite"
  rm -f "$db" "$db-wal" "$db-shm" "$db-writer"
  cp "$work/base.sqlite" "$db"
  delay=$(python3 -c "import random; print(round(random.uniform(0.02, $full_seconds), 3))")
  "$refold" import "$work/large.jsonl" --db "$db" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  check=$(sqlite3 "$db" "PRAGMA integrity_check")
  count=$(sqlite3 "$db" "SELECT count(*) FROM events")
  kept=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE thread = 'earlier'")
  [ "$check" = "ok" ] || corrupt=$((corrupt + 1))
  [ "$kept" = "$earlier" ] || lost=$((lost + 1))
  if [ "$count" = "$earlier" ]; then nothing=$((nothing + 1))
  elif [ "$count" = "$full" ]; then whole=$((whole + 1))
  else partial=$((partial + 1)); fi
  "$refold" import "$work/large.jsonl" --db "$db" >/dev/null 2>&1 || reimport_failed=$((reimport_failed + 1))
  [ "$(sqlite3 "$db" "SELECT count(*) FROM events")" = "$full" ] || reimport_failed=$((reimport_failed + 1))
  echo "trial $trial: killed after ${delay} s: integrity $check, $count events"
done

echo "crash trials: $trials kills during imports of $events events: $corrupt corrupt stores," \
  "$partial partial imports, $lost with earlier events lost, $reimport_failed re-imports not clean" \
  "($nothing killed before the commit, $whole after)"
[ $((corrupt + partial + lost + reimport_failed)) -eq 0 ]
