#!/usr/bin/env bash
# Builds and tests the example Swift package of docs/library.md (examples/swift-agent), which
# depends on this repository by path and runs its golden threads with RefoldTesting.
#
#   bash scripts/check-library-example.sh
#
# It shares the main package's build folder (--scratch-path .build): the Refold modules and
# their dependencies are already built there, so only the example's own targets compile.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --package-path examples/swift-agent --scratch-path .build --build-tests
swift test --package-path examples/swift-agent --scratch-path .build --skip-build
