#!/usr/bin/env bash
# Installs what the workbench needs on a Debian machine that already has a
# Swift 6 toolchain: OpenBLAS (apt) and the Python packages of requirements.txt
# (pip). Idempotent: does nothing when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

need_apt=()
for pkg in libopenblas-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "install-deps: apt-get install ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c "import numpy, onnx, onnxruntime" >/dev/null 2>&1; then
    echo "install-deps: pip install -r requirements.txt"
    # Debian's own python3 refuses system-wide pip installs (PEP 668); fall back
    # to --break-system-packages there, which only adds these three packages.
    python3 -m pip install -q -r requirements.txt 2>/dev/null \
        || python3 -m pip install -q --break-system-packages -r requirements.txt
fi

command -v swift >/dev/null || { echo "install-deps: no 'swift' on PATH: install a Swift 6 toolchain (swift.org) first" >&2; exit 1; }
