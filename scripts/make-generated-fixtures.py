#!/usr/bin/env python3
"""Regenerates Tests/Fixtures/generated/: tiny WeNet Conformer and BERT encoders
(written like PyTorch's legacy exporter, see hackathon/) with one `.npz` each
holding seeded inputs and the outputs ONNX Runtime computes for them.

    python3 scripts/make-generated-fixtures.py            # from the repository root

Tests/ModelTests/GeneratedEncoderTests.swift runs each model with the
reference executor and compares against the ORT outputs (max abs diff <= 1e-4).
The output is deterministic: rerunning rewrites the same bytes.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "hackathon"))
import generate_bert  # noqa: E402
import generate_data  # noqa: E402
import generate_encoder  # noqa: E402
from exportlike import save  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "Fixtures", "generated")
SEED = 2022

#: name -> (model config, batch, length)
FIXTURES = {
    "wenet-tiny": (generate_encoder.Config(layers=2, dim=32, heads=2, ffn=64, kernel=15,
                                           max_len=128, seed=SEED), 3, 45),
    "bert-tiny": (generate_bert.Config(layers=2, hidden=32, heads=2, ffn=64, vocab=128,
                                       max_positions=32, seed=SEED), 3, 13),
}

README = """\
# Generated model fixtures

Made by `python3 scripts/make-generated-fixtures.py` (numpy, onnx, onnxruntime;
seeded, so rerunning rewrites the same bytes). Do not edit by hand.

| file | what |
| --- | --- |
{rows}

Each `.npz` holds the model's inputs and the outputs ONNX Runtime {ort} (CPU)
computed for them; `Tests/ModelTests/GeneratedEncoderTests.swift` checks the
reference executor against them (max abs diff <= 1e-4).
"""


def make(name: str, cfg, batch: int, length: int) -> str:
    if isinstance(cfg, generate_encoder.Config):
        model, params = generate_encoder.build(cfg)
        kind = "encoder"
        what = (f"WeNet Conformer, {cfg.layers} layers, dim {cfg.dim}, {cfg.heads} heads, "
                f"ffn {cfg.ffn}, kernel {cfg.kernel} (opset 13)")
    else:
        model, params = generate_bert.build(cfg)
        kind = "bert"
        what = (f"BERT, {cfg.layers} layers, hidden {cfg.hidden}, {cfg.heads} heads, "
                f"ffn {cfg.ffn}, vocab {cfg.vocab} (opset 14)")
    rng = generate_data.cell_rng(SEED, kind, batch, length)
    feeds = generate_data.model_inputs(model, kind, rng, batch, length)
    model_path = os.path.join(OUT, f"{name}.onnx")
    save(model, model_path)
    outputs = generate_data.run_ort(generate_data.ort_session(model_path, threads=1), feeds)
    generate_data.write_npz(os.path.join(OUT, f"{name}.npz"), {**feeds, **outputs})
    shapes = ", ".join(f"`{k}` {list(v.shape)}" for k, v in {**feeds, **outputs}.items())
    print(f"wrote {name}.onnx ({os.path.getsize(model_path):,} bytes, {params:,} parameters) "
          f"and {name}.npz")
    return (f"| `{name}.onnx` | {what}, {len(model.graph.node)} nodes, seed {cfg.seed} |\n"
            f"| `{name}.npz` | {shapes} |")


def main() -> int:
    import onnxruntime
    os.makedirs(OUT, exist_ok=True)
    rows = [make(name, cfg, b, n) for name, (cfg, b, n) in FIXTURES.items()]
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(README.format(rows="\n".join(rows), ort=onnxruntime.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
