#!/usr/bin/env bash
# Regenerates Sources/ONNX/Generated/onnx.pb.swift from the onnx.proto that
# ships inside the Python `onnx` package.
#
# The committed file was generated from onnx 1.23.2 (onnx.proto, package `onnx`,
# proto2) with protoc 3.21.12 and protoc-gen-swift 1.39.0. CI never runs this
# script: the generated file is committed.
#
# Needs: protoc (Debian: protobuf-compiler), python3 with `onnx`, git, swift.
# The protoc-gen-swift plugin is built once from the swift-protobuf 1.39.0
# source into $PLUGIN_DIR (outside the repository) when it is missing.
set -euo pipefail

SWIFT_PROTOBUF_VERSION=1.39.0
SWIFT_PROTOBUF_REPO=${SWIFT_PROTOBUF_REPO:-/opt/swift-packages/apple/swift-protobuf.git}
PLUGIN_DIR=${PLUGIN_DIR:-/tmp/swift-protobuf}
PLUGIN="$PLUGIN_DIR/.build/release/protoc-gen-swift"

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT_DIR="$REPO_ROOT/Sources/ONNX/Generated"

if [[ ! -x "$PLUGIN" ]]; then
    echo "building protoc-gen-swift $SWIFT_PROTOBUF_VERSION in $PLUGIN_DIR (several minutes)" >&2
    if [[ ! -d "$PLUGIN_DIR/.git" ]]; then
        git clone -q "$SWIFT_PROTOBUF_REPO" "$PLUGIN_DIR"
    fi
    git -C "$PLUGIN_DIR" checkout -q "$SWIFT_PROTOBUF_VERSION"
    (cd "$PLUGIN_DIR" && swift build -c release --product protoc-gen-swift)
fi

ONNX_DIR=$(python3 -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
ONNX_VERSION=$(python3 -c 'import onnx; print(onnx.__version__)')
echo "generating from onnx $ONNX_VERSION ($ONNX_DIR/onnx.proto) with $(protoc --version)" >&2

mkdir -p "$OUT_DIR"
protoc --plugin=protoc-gen-swift="$PLUGIN" \
       --proto_path="$ONNX_DIR" \
       --swift_out="$OUT_DIR" \
       --swift_opt=Visibility=Internal \
       "$ONNX_DIR/onnx.proto"
echo "wrote $OUT_DIR/onnx.pb.swift (onnx $ONNX_VERSION)" >&2
