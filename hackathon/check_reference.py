#!/usr/bin/env python3
"""The acceptance check of issue 2: the workbench reference executor must agree
with ONNX Runtime on the generated WeNet and BERT encoders.

For each case it generates the model, seeded inputs, runs ONNX Runtime and

    workbench run --onnx M --loadInputs in.npz --exportOutput out.npz

then compares every output (max abs diff <= --tolerance, shapes and dtypes
equal), prints a table and exits 1 on any failure (2 when it cannot run).

    python3 hackathon/check_reference.py                 # tiny variants
    python3 hackathon/check_reference.py --full          # plus full-size models
    python3 hackathon/check_reference.py --localize      # on failure: first diverging node
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate_bert  # noqa: E402
import generate_data  # noqa: E402
import generate_encoder  # noqa: E402
from exportlike import save  # noqa: E402

TINY_WENET = dict(layers=2, dim=32, heads=2, ffn=64, kernel=15, max_len=512)
TINY_BERT = dict(layers=2, hidden=32, heads=2, ffn=64, vocab=128, max_positions=64)


class Case:
    """One model and one input batch."""

    def __init__(self, name, kind, make_model, batch, length):
        self.name, self.kind, self.make_model = name, kind, make_model
        self.batch, self.length = batch, length


def wenet(**kw):
    return lambda seed: generate_encoder.build(generate_encoder.Config(seed=seed, **kw))[0]


def bert(**kw):
    return lambda seed: generate_bert.build(generate_bert.Config(seed=seed, **kw))[0]


def cases(full: bool) -> list[Case]:
    out = [
        Case("wenet-tiny", "encoder", wenet(**TINY_WENET), 2, 64),
        Case("wenet-tiny", "encoder", wenet(**TINY_WENET), 3, 37),
        Case("bert-tiny", "bert", bert(**TINY_BERT), 2, 16),
        Case("bert-tiny", "bert", bert(**TINY_BERT), 3, 13),
    ]
    if full:
        out += [
            Case("wenet", "encoder", wenet(), 4, 64),
            Case("bert-minilm", "bert", bert(**_preset("minilm")), 2, 64),
            Case("bert-base", "bert", bert(**_preset("base")), 1, 128),
        ]
    return out


def _preset(name):
    layers, hidden, heads, ffn, vocab, positions = generate_bert.PRESETS[name]
    return dict(layers=layers, hidden=hidden, heads=heads, ffn=ffn, vocab=vocab,
                max_positions=positions)


def make_inputs(model, case: Case, seed: int) -> dict:
    rng = generate_data.cell_rng(seed, case.kind, case.batch, case.length)
    return generate_data.model_inputs(model, case.kind, rng, case.batch, case.length)


def run_workbench(binary: str, model_path: str, inputs_path: str, out_path: str) -> str | None:
    """Runs the CLI; returns its error text on failure, else None."""
    if os.path.exists(out_path):
        os.remove(out_path)
    cmd = [binary, "run", "--onnx", model_path, "--loadInputs", inputs_path,
           "--exportOutput", out_path]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        text = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        return f"exit {proc.returncode}: " + (text[-1] if text else "no message")
    if not os.path.exists(out_path):
        return f"no file {out_path} written"
    return None


def compare(expected: dict, actual: dict, tolerance: float):
    """Yields (output, shape, max abs diff or None, status) for every expected output."""
    for name, want in expected.items():
        got = actual.get(name)
        if got is None:
            yield name, list(want.shape), None, "MISSING"
            continue
        if got.shape != want.shape:
            yield name, list(want.shape), None, f"SHAPE {list(got.shape)}"
            continue
        if got.dtype != want.dtype:
            yield name, list(want.shape), None, f"DTYPE {got.dtype}"
            continue
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        both_nan = np.isnan(got.astype(np.float64)) & np.isnan(want.astype(np.float64))
        diff = np.where(both_nan, 0.0, diff)
        worst = float(np.nan_to_num(diff, nan=np.inf).max()) if diff.size else 0.0
        yield name, list(want.shape), worst, "ok" if worst <= tolerance else "FAIL"


def expose_all_values(model):
    """The model with every node output made a graph output (types from shape inference)."""
    import onnx
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v for v in inferred.graph.value_info}
    present = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for v in node.output:
            if v and v not in present:
                info = types.get(v) or onnx.helper.make_empty_tensor_value_info(v)
                model.graph.output.append(info)
                present.add(v)
    return model


def localize(model, feeds, inputs_path, work, binary, tolerance) -> str:
    """Runs both engines with every value exposed; names the first node that diverges."""
    exposed = expose_all_values(model)
    path = os.path.join(work, "exposed.onnx")
    save(exposed, path)
    session = generate_data.ort_session(path)
    expected = generate_data.run_ort(session, feeds)
    out_path = os.path.join(work, "exposed-out.npz")
    error = run_workbench(binary, path, inputs_path, out_path)
    if error:
        return f"workbench failed on the exposed model: {error}"
    actual = dict(np.load(out_path))
    for node in model.graph.node:
        for v in node.output:
            if v not in expected:
                continue
            results = list(compare({v: expected[v]}, actual, tolerance))
            _, shape, worst, status = results[0]
            if status != "ok":
                size = "" if worst is None else f" max|diff| {worst:.3g}"
                return f"first divergence: {node.name} ({node.op_type}) -> {v} {shape}: {status}{size}"
    return "no single node diverges beyond the tolerance (error accumulates)"


def run_case(case: Case, args, rows) -> bool:
    tag = f"{case.name}-{case.batch}x{case.length}"
    work = os.path.join(args.out_dir, tag)
    os.makedirs(work, exist_ok=True)
    model = case.make_model(args.seed)
    model_path = os.path.join(work, "model.onnx")
    save(model, model_path)
    feeds = make_inputs(model, case, args.seed)
    inputs_path = os.path.join(work, "inputs.npz")
    generate_data.write_npz(inputs_path, feeds)
    expected = generate_data.run_ort(generate_data.ort_session(model_path, args.threads), feeds)
    out_path = os.path.join(work, "workbench.npz")
    error = run_workbench(args.workbench, model_path, inputs_path, out_path)
    if error:
        rows.append((tag, "-", "-", None, f"ERROR {error}"))
        return False
    ok = True
    for name, shape, worst, status in compare(expected, dict(np.load(out_path)), args.tolerance):
        rows.append((tag, name, shape, worst, status))
        ok = ok and status == "ok"
    if not ok and args.localize:
        rows.append((tag, "(localize)", "-", None, localize(model, feeds, inputs_path, work,
                                                          args.workbench, args.tolerance)))
    return ok


def print_table(rows) -> None:
    header = ("case", "output", "shape", "max|diff|", "status")
    lines = [(c, o, str(s), "-" if d is None else f"{d:.3e}", st) for c, o, s, d, st in rows]
    widths = [max(len(r[i]) for r in [header] + lines) for i in range(4)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths) + "  {}"
    print(fmt.format(*header))
    print(fmt.format(*("-" * w for w in widths), "------"))
    for line in lines:
        print(fmt.format(*line))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workbench", default=os.path.join(os.path.dirname(HERE), ".build", "release",
                                                        "workbench"),
                    help="the CLI binary (default: .build/release/workbench)")
    ap.add_argument("--full", action="store_true", help="also the full-size WeNet, MiniLM, BERT-base")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="max abs diff allowed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "out", "check"))
    ap.add_argument("--localize", action="store_true",
                    help="on a failure, expose every value and name the first diverging node")
    args = ap.parse_args(argv)
    if not os.access(args.workbench, os.X_OK):
        print(f"check_reference: no workbench binary at {args.workbench} "
              "(build it: swift build -c release --product workbench, or pass --workbench)",
              file=sys.stderr)
        return 2
    rows, failures = [], 0
    for case in cases(args.full):
        if not run_case(case, args, rows):
            failures += 1
    print_table(rows)
    total = len(cases(args.full))
    print(f"\n{total - failures}/{total} cases within {args.tolerance:g}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
