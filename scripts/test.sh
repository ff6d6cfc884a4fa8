#!/usr/bin/env bash
# Installs what is needed, then runs every test (unit, conformance, model and CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The suites are XCTest; --disable-swift-testing keeps an empty Swift Testing run
# from printing the last summary line.
status=0
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log" || status=$?
# One plain closing line from XCTest's overall summary.
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -n 1 || true)
if [ -n "$summary" ]; then
    total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
    failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
    echo "$((total - failed)) passed, $failed failed"
fi
exit $status
