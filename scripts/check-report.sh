#!/usr/bin/env bash
# Opens a Refold report.html in headless Chromium (driven through the DevTools protocol by
# scripts/report-browser.py), uses it as a person would at 1400 px and at 390 px, saves
# screenshots, and fails when the page logged a JavaScript error, did not finish rendering,
# ran a planted script, overflowed a phone's width, or a step (the run's scope and the ad-hoc
# runs of the trend, open a case from the matrix, compare two variants, a loop run's model
# calls, search thread text, find a passing case by a parameter, filter by verdict,
# keyboard) did not work.
#
# Usage:
#   scripts/check-report.sh REPORT.html [OUT_DIR]   check an existing report
#   scripts/check-report.sh --demo [OUT_DIR]        write the hostile demo report (through the
#                                                   report tests) and check it
# OUT_DIR (default: a temporary directory) receives wide.png, wide-case.png, wide-loop.png,
# phone.png, phone-case.png (and comparison.png), dom.html, case-dom.html and console.log.
# Installs Debian's `chromium` with apt-get when it is missing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
mode="check"
if [[ "${1:-}" == "--demo" ]]; then mode="demo"; shift; fi
if [[ "$mode" == "check" && $# -lt 1 ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
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

# The DevTools-protocol driver opens a case from the matrix, the compare view, searches
# thread text, filters by verdict, walks rows with the keyboard and checks the 390 px layout.
status=0
python3 "$root/scripts/report-browser.py" "$browser" "$report" "$out" || status=1

for dom in "$out/dom.html" "$out/case-dom.html" "$out/comparison-dom.html"; do
  [[ -f "$dom" ]] || continue
  if grep -q 'id="pwned"' "$dom"; then echo "FAIL: a planted element ran ($dom)"; status=1; fi
  if grep -q '<title>PWNED' "$dom"; then echo "FAIL: a planted script set the title ($dom)"; status=1; fi
  if grep -qi '<img[^>]*onerror' "$dom"; then echo "FAIL: a planted <img> is live ($dom)"; status=1; fi
done
for shot in wide.png phone.png; do
  [[ -s "$out/$shot" ]] || { echo "FAIL: no screenshot $shot was written"; status=1; }
done

echo "screenshots: $(cd "$out" && ls ./*.png | tr '\n' ' ')(in $out)"
if [[ $status -eq 0 ]]; then echo "OK: $report rendered, no script errors, nothing planted ran"; fi
exit $status
