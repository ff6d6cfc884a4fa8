#!/usr/bin/env bash
# The benchmark against the peers, one command: installs what it needs (pip:
# requirements-bench.txt), generates the models and reference data if missing,
# builds the workbench in release mode and runs benchmarks/bench.py, which
# builds the engines (two profiles, --threads), times the workbench, ONNX
# Runtime, ONNX Runtime + transformers optimizer and OpenVINO f32 interleaved,
# and writes benchmarks/results/ (JSON, PNG, README-table.md) and the README's table.
#
#   bash benchmarks/run.sh                        # both models, 2 threads, 10 rounds
#   bash benchmarks/run.sh --quick                # three cells per model
#   bash benchmarks/run.sh --models encoder --threads 1 --iterations 20
#   WORKBENCH_BENCH_MODELS=/path/to/out bash benchmarks/run.sh   # reuse generated models/data
#
# Extra arguments go to bench.py (see `python3 benchmarks/bench.py --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS_DIR=${WORKBENCH_BENCH_MODELS:-hackathon/out}
export WORKBENCH_BENCH_MODELS=$MODELS_DIR

step() { printf '\n== %s\n' "$*"; }
start=$(date +%s)

step "dependencies"
bash scripts/install-deps.sh
if ! python3 -c "import numpy, onnx, onnxruntime, openvino, matplotlib" >/dev/null 2>&1; then
    echo "run.sh: pip install -r requirements-bench.txt"
    python3 -m pip install -q -r requirements-bench.txt 2>/dev/null \
        || python3 -m pip install -q --break-system-packages -r requirements-bench.txt
fi

step "models and reference data ($MODELS_DIR)"
mkdir -p "$MODELS_DIR/data"
[ -f "$MODELS_DIR/encoder.onnx" ] || python3 hackathon/generate_encoder.py --out "$MODELS_DIR/encoder.onnx"
[ -f "$MODELS_DIR/bert-minilm.onnx" ] || python3 hackathon/generate_bert.py --preset minilm --out "$MODELS_DIR/bert-minilm.onnx"
# Writes only the cells that are missing.
python3 hackathon/generate_data.py --which both --encoder "$MODELS_DIR/encoder.onnx" \
    --bert "$MODELS_DIR/bert-minilm.onnx" --out-dir "$MODELS_DIR/data"

step "build (release)"
swift build -c release --product workbench
WORKBENCH=$(swift build -c release --show-bin-path)/workbench

step "benchmark"
python3 benchmarks/bench.py --workbench "$WORKBENCH" --models-dir "$MODELS_DIR" "$@"

echo
echo "results: benchmarks/results/ (README table: benchmarks/results/README-table.md); took $(( $(date +%s) - start )) s"
