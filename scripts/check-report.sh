#!/usr/bin/env bash
# Opens a Refold report.html in headless Chromium, saves screenshots, and fails when the page
# logged a JavaScript error, did not finish rendering, or ran a planted script.
#
# Usage:
#   scripts/check-report.sh REPORT.html [OUT_DIR]   check an existing report
#   scripts/check-report.sh --demo [OUT_DIR]        write the hostile demo report (through the
#                                                   report tests) and check it
# OUT_DIR (default: a temporary directory) receives overview.png, case.png (the drill-down of
# the first failing case, when results.json sits beside the report), dom.html and console.log.
# Installs Debian's `chromium` with apt-get when it is missing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
mode="check"
if [[ "${1:-}" == "--demo" ]]; then mode="demo"; shift; fi
if [[ "$mode" == "check" && $# -lt 1 ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

if [[ "$mode" == "demo" ]]; then
  out="${1:-$(mktemp -d /tmp/refold-check-report.XXXXXX)}"
  mkdir -p "$out/demo"
  echo "writing the hostile demo report to $out/demo"
  (cd "$root" && REFOLD_DEMO_REPORT_DIR="$out/demo" \
    swift test --filter 'RefoldReportTests.HTMLReportTests/hostileStringsAreInert' >"$out/swift-test.log" 2>&1) \
    || { tail -30 "$out/swift-test.log"; echo "error: the demo report could not be written"; exit 1; }
  report="$out/demo/report.html"
else
  report="$1"
  out="${2:-$(mktemp -d /tmp/refold-check-report.XXXXXX)}"
fi
[[ -f "$report" ]] || { echo "error: $report does not exist"; exit 2; }
report="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
mkdir -p "$out"

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo "updating the apt package lists"
    apt-get update -qq
  fi
  echo "installing chromium with apt-get"
  started=$(date +%s)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  echo "chromium installed in $(( $(date +%s) - started )) s"
  browser="$(command -v chromium)"
fi

flags=(--headless --disable-gpu --no-sandbox --no-first-run --disable-extensions
  --disable-background-networking --hide-scrollbars --virtual-time-budget=5000
  --user-data-dir="$out/profile")

url="file://$report"
"$browser" "${flags[@]}" --window-size=1400,2000 --screenshot="$out/overview.png" "$url" \
  >/dev/null 2>"$out/screenshot.log" || true
"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" \
  >"$out/dom.html" 2>"$out/console.log" || true

# The drill-down of the first failing case, opened through its #case= anchor.
case_url=""
results="$(dirname "$report")/results.json"
if [[ -f "$results" ]]; then
  case_id="$(python3 - "$results" <<'PY'
import json, os, sys, urllib.parse
path = sys.argv[1]
document = json.load(open(path, encoding="utf-8"))
variant = ""
if document.get("schema") == "refold.results/v2":
    # An evaluation of several variants: its first variant's own file holds the cases.
    first = document["variants"][0]
    variant = "&variant=" + urllib.parse.quote(first["run"]["variant"], safe="")
    document = json.load(open(os.path.join(os.path.dirname(path), first["results"]), encoding="utf-8"))
failing = [c for c in document["cases"] if c["verdict"] != "pass" and c["mode"] == "step"]
if failing:
    print(urllib.parse.quote(failing[0]["id"], safe="") + variant)
PY
)"
  if [[ -n "$case_id" ]]; then
    case_url="$url#case=$case_id"
    "$browser" "${flags[@]}" --window-size=1400,5600 --screenshot="$out/case.png" "$case_url" \
      >/dev/null 2>>"$out/screenshot.log" || true
    "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$case_url" \
      >"$out/case-dom.html" 2>>"$out/console.log" || true
  fi
fi

# A comparison page beside the report is checked the same way (it has no script).
comparison="$(dirname "$report")/comparison.html"
if [[ -f "$comparison" ]]; then
  "$browser" "${flags[@]}" --window-size=1400,1600 --screenshot="$out/comparison.png" \
    "file://$comparison" >/dev/null 2>>"$out/screenshot.log" || true
  "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$comparison" \
    >"$out/comparison-dom.html" 2>>"$out/console.log" || true
fi

status=0
if ! grep -q 'data-rendered="ok"' "$out/dom.html"; then
  echo "FAIL: the page's script did not finish rendering (no data-rendered=\"ok\")"; status=1
fi
if [[ -n "$case_url" ]] && ! grep -q 'class="kv"' "$out/case-dom.html"; then
  echo "FAIL: the #case= anchor did not open the drill-down"; status=1
fi
for dom in "$out/dom.html" "$out/case-dom.html" "$out/comparison-dom.html"; do
  [[ -f "$dom" ]] || continue
  if grep -q 'id="pwned"' "$dom"; then echo "FAIL: a planted element ran ($dom)"; status=1; fi
  if grep -q '<title>PWNED' "$dom"; then echo "FAIL: a planted script set the title ($dom)"; status=1; fi
  if grep -qi '<img[^>]*onerror' "$dom"; then echo "FAIL: a planted <img> is live ($dom)"; status=1; fi
done
if grep -E 'CONSOLE|Uncaught' "$out/console.log" | grep -qiE 'Uncaught|error'; then
  echo "FAIL: the page logged a JavaScript error:"; grep -E 'CONSOLE|Uncaught' "$out/console.log"; status=1
fi
[[ -s "$out/overview.png" ]] || { echo "FAIL: no screenshot was written"; status=1; }

echo "screenshots: $out/overview.png${case_url:+ $out/case.png}$([[ -f "$comparison" ]] && echo " $out/comparison.png")"
if [[ $status -eq 0 ]]; then echo "OK: $report rendered, no script errors, nothing planted ran"; fi
exit $status
