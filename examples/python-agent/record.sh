#!/usr/bin/env bash
# Re-records the calcbot suite's cassettes from the local model (SmolLM2-135M behind
# llama.cpp's OpenAI-compatible server: scripts/local-model.sh), the way a team records its
# own agent:
#   1. production: the agent answers a question with its own loop and tools, its model calls
#      going through `refold proxy`; `refold promote` turns the recorded thread into a golden
#      fixture (threads/prod-*.jsonl) and its exchanges into cassettes/baseline.jsonl;
#   2. CI: `refold eval --model record` runs every golden thread, both variants, step and
#      loop mode, and appends every model call the agent makes that the cassettes lack.
# The old cassettes and the promoted fixture are removed first: the model is deterministic
# (temperature 0, seed 42), so the same requests get the same answers.
#
#   examples/python-agent/record.sh          needs .build/venv (README set-up) and a free port 8799
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$root/.build/venv/bin:$PATH"
python3 -c "import openai" 2>/dev/null || {
  echo "record.sh: no openai SDK in $root/.build/venv; see README's set-up" >&2
  exit 4
}
upstream="$("$root/scripts/local-model.sh")"
(cd "$root" && swift build --product refold >&2)
refold="$root/.build/debug/refold"
work="$(mktemp -d /tmp/calcbot-record.XXXXXX)"
proxy_port="${CALCBOT_PROXY_PORT:-8799}"

rm -f "$here"/cassettes/*.jsonl "$here"/threads/prod-*.jsonl
mkdir -p "$here/cassettes"

# 1. A production thread through the recording proxy, promoted into the suite.
"$refold" proxy --upstream "$upstream" --listen "127.0.0.1:$proxy_port" --db "$work/prod.sqlite" \
  >"$work/proxy.log" 2>&1 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "127.0.0.1:$proxy_port" "$work/proxy.log" && break
  sleep 0.1
done
OPENAI_BASE_URL="http://127.0.0.1:$proxy_port/v1" python3 "$here/agent.py" \
  --ask "What is 12 plus 30?" --thread prod-12-plus-30
kill "$proxy_pid"
wait "$proxy_pid" 2>/dev/null || true
trap - EXIT
"$refold" promote prod-12-plus-30 --suite "$here" --db "$work/prod.sqlite"
# The stub expects every decision as recorded, which the fixture already says.
rm -rf "$here/expectations"

# 2. Every decision of every golden thread, both variants, through Refold's model endpoint.
"$refold" eval "$here" --model record --base-url "$upstream" --concurrency 1 --db "$work/eval.sqlite" \
  --out "$work/recorded" || true
"$refold" cassette check "$here"/cassettes/*.jsonl
# The check: a replay from the cassettes alone.
"$refold" eval "$here" --model recorded --db "$work/eval.sqlite" --out "$work/replayed"
