#!/usr/bin/env bash
# Captures fixtures/otel/ from the real GenAI instrumentations (development time; the
# fixtures are committed and CI only reads them).
#
#   bash scripts/capture-otel-fixtures.sh
#
# Makes one venv per instrumentation under .build/otel-capture/ from the pinned
# scripts/requirements-otel-*.txt (they cannot share one: they pin different
# opentelemetry-util-genai and SDK versions), then runs scripts/capture-otel-fixtures.py
# in each. Everything talks to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

for name in openai-v2 openai-v2-legacy traceloop traceloop-events; do
  venv=".build/otel-capture/${name%-events}"
  if [ ! -x "$venv/bin/python3" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "scripts/requirements-otel-${name%-events}.txt"
  rm -rf "fixtures/otel/$name"
  "$venv/bin/python3" scripts/capture-otel-fixtures.py "$name" "fixtures/otel/$name"
done
