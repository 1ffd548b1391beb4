#!/usr/bin/env bash
# Re-records the demo suite's judge cassette (cassettes/judge.jsonl) from the local model
# (SmolLM2-135M-Instruct behind llama.cpp's OpenAI-compatible server: scripts/local-model.sh).
#
# The judge is asked about every golden closing message that carries a human label in
# expectations.yaml (`refold judge check --model record`), then the check and the demo eval
# are replayed from the cassettes alone. The old cassette is removed first: the judge runs
# at temperature 0, so the same prompts get the same answers.
#
#   evals/deploybot/record-judge.sh      REFOLD_MODEL_PORT picks the server's port (8088)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
upstream="$("$root/scripts/local-model.sh")"
(cd "$root" && swift build --product refold >&2)
refold="$root/.build/debug/refold"
work="$(mktemp -d /tmp/deploybot-judge.XXXXXX)"

# The suite names the server's default address; a copy beside it names the running one (the
# base URL is not part of a cassette key, so the recording replays under either).
recording="$here/suite.recording.yaml"
trap 'rm -f "$recording"' EXIT
sed "s#base_url: http://127.0.0.1:8088/v1#base_url: $upstream#" "$here/suite.yaml" >"$recording"

rm -f "$here/cassettes/judge.jsonl"
"$refold" judge check "$recording" --model record
"$refold" cassette check "$here/cassettes/judge.jsonl"
# The check: both replayed from the cassettes alone.
"$refold" judge check "$here/suite.yaml"
"$refold" eval "$here" --db "$work/eval.sqlite" --out "$work/replayed"
