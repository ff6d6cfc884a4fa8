#!/usr/bin/env python3
"""Writes the ONNX backend node test cases to a folder the Swift conformance test reads.

Usage:
    python3 scripts/onnx_node_tests.py --out .cache/onnx-node-tests [--force]

For every case that `onnx.backend.test.case.node.collect_testcases` generates
(about 1,900 in onnx 1.23), it writes

    DIR/<case>/model.onnx
    DIR/<case>/test_data_set_N/input_K.pb    TensorProto, named after graph input K
    DIR/<case>/test_data_set_N/output_K.pb   TensorProto, named after graph output K
    DIR/<case>/meta.json                     rtol, atol, op types, opset, value names

and then DIR/index.json, which lists the cases written and the cases skipped
with the reason (sequence, optional and map values have no TensorProto form).
The index is written last, so its presence marks a complete cache.

The script is idempotent: when DIR/index.json exists and was written by the same
onnx version and generator version, it exits at once without importing onnx's
test cases. Generation writes into a sibling staging folder and swaps it in, so
an interrupted run never leaves a half-written cache behind an index.

Requirements: numpy and onnx (see requirements.txt).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import sys
import time
import warnings

# Bump when the layout or the meta/index fields change: old caches regenerate.
GENERATOR_VERSION = 1


def installed_onnx_version() -> str | None:
    """The installed onnx version, read from package metadata (no heavy import)."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    try:
        return version("onnx")
    except PackageNotFoundError:
        return None


def cache_is_current(out_dir: str, onnx_version: str) -> bool:
    """True when out_dir/index.json was written by this onnx and generator version."""
    index_path = os.path.join(out_dir, "index.json")
    try:
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError):
        return False
    return (index.get("onnx_version") == onnx_version
            and index.get("generator_version") == GENERATOR_VERSION)


def value_kind(value_info) -> str:
    """'tensor', 'sequence', 'optional', 'map', 'sparse_tensor' or 'unknown'."""
    kind = value_info.type.WhichOneof("value")
    return {
        "tensor_type": "tensor",
        "sequence_type": "sequence",
        "optional_type": "optional",
        "map_type": "map",
        "sparse_tensor_type": "sparse_tensor",
    }.get(kind, "unknown")


def qualified_op(node) -> str:
    """`Add` for the default domain, `ai.onnx.ml::Scaler` otherwise."""
    if node.domain in ("", "ai.onnx"):
        return node.op_type
    return f"{node.domain}::{node.op_type}"


_EXPANDED = re.compile(r"^(.*)_expanded(_ver\d+)?$")


def primary_ops(cases) -> dict[str, str]:
    """The op each case tests, by case name.

    Single-node cases test their node's op. `<base>_expanded[_verN]` cases
    inline a function body (many nodes) and test the op of `<base>`.
    """
    single: dict[str, str] = {}
    for case in cases:
        nodes = case.model.graph.node
        if len(nodes) == 1 and not _EXPANDED.match(case.name):
            single[case.name] = qualified_op(nodes[0])
    result: dict[str, str] = dict(single)
    for case in cases:
        if case.name in result:
            continue
        match = _EXPANDED.match(case.name)
        base = match.group(1) if match else None
        if base in single:
            result[case.name] = single[base]
        else:
            ops = sorted({qualified_op(n) for n in case.model.graph.node})
            result[case.name] = "+".join(ops) if ops else "(empty)"
    return result


def tensor_proto(value, name: str):
    """A TensorProto for a numpy array (or an existing TensorProto), named `name`."""
    from onnx import TensorProto, numpy_helper

    if isinstance(value, TensorProto):
        proto = TensorProto()
        proto.CopyFrom(value)
        proto.name = name
        return proto
    return numpy_helper.from_array(value, name)


def elem_type_name(value_info) -> str:
    """The element type of a tensor value ('FLOAT', 'INT64', ...), or '' otherwise."""
    from onnx import TensorProto

    if value_info.type.WhichOneof("value") != "tensor_type":
        return ""
    return TensorProto.DataType.Name(value_info.type.tensor_type.elem_type)


def skip_reason(case) -> str | None:
    """Why a case cannot be written as TensorProto files, or None when it can."""
    graph = case.model.graph
    for info in list(graph.input) + list(graph.output):
        kind = value_kind(info)
        if kind != "tensor":
            article = "an" if kind[0] in "aeiou" else "a"
            return f"value '{info.name}' is {article} {kind}, not a tensor"
    for inputs, outputs in case.data_sets:
        if len(inputs) != len(graph.input) or len(outputs) != len(graph.output):
            return (f"data set has {len(inputs)} inputs / {len(outputs)} outputs, "
                    f"graph declares {len(graph.input)} / {len(graph.output)}")
    return None


def write_case(case, op: str, case_dir: str) -> dict:
    """Writes one case's model, data sets and meta.json; returns its index entry."""
    graph = case.model.graph
    os.makedirs(case_dir)
    with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    for n, (inputs, outputs) in enumerate(case.data_sets):
        set_dir = os.path.join(case_dir, f"test_data_set_{n}")
        os.makedirs(set_dir)
        for prefix, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
            for k, (value, info) in enumerate(zip(values, infos)):
                with open(os.path.join(set_dir, f"{prefix}_{k}.pb"), "wb") as f:
                    f.write(tensor_proto(value, info.name).SerializeToString())
    opsets = {(o.domain or ""): o.version for o in case.model.opset_import}
    meta = {
        "name": case.name,
        "op": op,
        "op_types": sorted({qualified_op(n) for n in graph.node}),
        "expanded": bool(_EXPANDED.match(case.name)),
        "node_count": len(graph.node),
        "opset": opsets.get("", opsets.get("ai.onnx", 0)),
        "opset_imports": opsets,
        "rtol": case.rtol,
        "atol": case.atol,
        "data_sets": len(case.data_sets),
        "inputs": [{"name": i.name, "type": elem_type_name(i)} for i in graph.input],
        "outputs": [{"name": o.name, "type": elem_type_name(o)} for o in graph.output],
    }
    with open(os.path.join(case_dir, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return {"name": case.name, "op": op, "op_types": meta["op_types"], "expanded": meta["expanded"],
            "rtol": case.rtol, "atol": case.atol, "data_sets": len(case.data_sets)}


def generate(staging: str, onnx_version: str) -> dict:
    """Writes every case into `staging`; returns the index (also written there)."""
    import onnx  # noqa: F401  (fail early with a clear message below if missing)
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        # The case generators overflow and divide by zero on purpose (inf/NaN cases).
        warnings.simplefilter("ignore")
        cases = [c for c in collect_testcases(None) if c.kind == "node" and c.model is not None]
    ops = primary_ops(cases)
    written, skipped = [], []
    for case in sorted(cases, key=lambda c: c.name):
        reason = skip_reason(case)
        if reason is None:
            try:
                written.append(write_case(case, ops[case.name], os.path.join(staging, case.name)))
                continue
            except Exception as error:  # a dtype numpy_helper cannot encode, say
                shutil.rmtree(os.path.join(staging, case.name), ignore_errors=True)
                reason = f"cannot write as TensorProto: {type(error).__name__}: {error}"
        skipped.append({"name": case.name, "op": ops[case.name], "reason": reason})
    index = {
        "onnx_version": onnx_version,
        "generator_version": GENERATOR_VERSION,
        "python": sys.version.split()[0],
        "cases": written,
        "skipped": skipped,
    }
    with open(os.path.join(staging, "index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, sort_keys=True)
    return index


def swap_in(staging: str, out_dir: str) -> None:
    """Replaces out_dir by staging (two renames; the old cache is then deleted)."""
    old = f"{out_dir}.old-{os.getpid()}"
    if os.path.exists(out_dir):
        os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="cache folder to write")
    parser.add_argument("--force", action="store_true", help="regenerate even when current")
    args = parser.parse_args(argv)
    out_dir = os.path.abspath(args.out)

    onnx_version = installed_onnx_version()
    if onnx_version is None:
        print("error: the Python package 'onnx' is not installed; "
              "run: python3 -m pip install -r requirements.txt", file=sys.stderr)
        return 2
    if not args.force and cache_is_current(out_dir, onnx_version):
        print(f"{out_dir}: up to date (onnx {onnx_version})")
        return 0

    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    # Test runs in several scratch paths may start at once: one generates, the others wait.
    with open(f"{out_dir}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not args.force and cache_is_current(out_dir, onnx_version):
            print(f"{out_dir}: up to date (onnx {onnx_version}, written by another run)")
            return 0
        return regenerate(out_dir, onnx_version)


def regenerate(out_dir: str, onnx_version: str) -> int:
    """Generates the cache into a staging folder and swaps it in."""
    start = time.time()
    staging = f"{out_dir}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    try:
        index = generate(staging, onnx_version)
        swap_in(staging, out_dir)
    except ImportError as error:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"error: {error}; run: python3 -m pip install -r requirements.txt", file=sys.stderr)
        return 2
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"{out_dir}: wrote {len(index['cases'])} cases, skipped {len(index['skipped'])} "
          f"(onnx {onnx_version}) in {time.time() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
