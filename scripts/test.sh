#!/usr/bin/env bash
# Installs what is needed, then runs every test (unit, conformance, model and CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
