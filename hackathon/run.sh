#!/usr/bin/env bash
# The hackathon flow end to end, like the TensorRT Hackathon 2022's encoder part:
# install what is missing, generate the WeNet encoder and its reference data
# (once; later runs reuse them), build the workbench in release mode, build the
# encoder's engine (two optimization profiles; tactic timings cached), score the
# engine on every data file and print the table.
#
#   bash hackathon/run.sh                # the default flow
#   ITERATIONS=30 bash hackathon/run.sh  # more timed runs per cell
#
# Everything it makes goes to hackathon/out/ (git-ignored):
#   encoder.onnx, data/encoder-<B>-<T>.npz, encoder.plan, timing.cache, score.txt, score.json
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=hackathon/out
ITERATIONS=${ITERATIONS:-10}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-$(nproc)}

step() { printf '\n== %s\n' "$*"; }
start=$(date +%s)

step "dependencies"
bash scripts/install-deps.sh

step "model and reference data ($OUT)"
mkdir -p "$OUT/data"
if [ ! -f "$OUT/encoder.onnx" ]; then
    python3 hackathon/generate_encoder.py --out "$OUT/encoder.onnx"
else
    echo "reusing $OUT/encoder.onnx"
fi
python3 hackathon/generate_data.py --which encoder --encoder "$OUT/encoder.onnx" --out-dir "$OUT/data"

step "build (release)"
swift build -c release --product workbench
WORKBENCH=$(swift build -c release --show-bin-path)/workbench

step "engine ($OUT/encoder.plan, $THREADS threads)"
# Profile 0 covers the whole score matrix; profile 1 is for short inputs.
"$WORKBENCH" build --onnx "$OUT/encoder.onnx" \
    --minShapes speech:1x16x80,speech_lengths:1 --optShapes speech:4x64x80,speech_lengths:4 \
    --maxShapes speech:16x1024x80,speech_lengths:16 \
    --minShapes speech:1x16x80,speech_lengths:1 --optShapes speech:1x32x80,speech_lengths:1 \
    --maxShapes speech:16x64x80,speech_lengths:16 \
    --threads "$THREADS" --timingCacheFile "$OUT/timing.cache" --saveEngine "$OUT/encoder.plan"

step "score"
"$WORKBENCH" score --loadEngine "$OUT/encoder.plan" --data "$OUT/data" \
    --iterations "$ITERATIONS" --warmUp "$WARMUP" --scoreFile "$OUT/score.txt"

echo
echo "score table: $OUT/score.txt (JSON: $OUT/score.json); took $(( $(date +%s) - start )) s"
