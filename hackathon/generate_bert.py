#!/usr/bin/env python3
"""Generates a BERT-family encoder (HF ``BertModel`` without the pooler) as
PyTorch's legacy TorchScript exporter writes it at opset 14, with seeded
random weights.

    python3 hackathon/generate_bert.py --preset minilm --out hackathon/out/minilm.onnx
    python3 hackathon/generate_bert.py --preset base --out hackathon/out/bert-base.onnx
    python3 hackathon/generate_bert.py --preset tiny --out /tmp/bert-tiny.onnx

Inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64 [B, S]);
output ``last_hidden_state`` (float32 [B, S, H]).
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exportlike import ExportBuilder, linear_params, norm_params, save  # noqa: E402

#: name -> (layers, hidden, heads, ffn, vocab, max_positions)
PRESETS = {
    "minilm": (6, 384, 12, 1536, 30522, 512),   # all-MiniLM-L6-v2 shapes
    "base": (12, 768, 12, 3072, 30522, 512),    # bert-base-uncased shapes
    "tiny": (2, 32, 2, 64, 128, 64),            # test fixture
}


class Config:
    """BERT hyper-parameters."""

    def __init__(self, layers, hidden, heads, ffn, vocab, max_positions, type_vocab=2,
                 eps=1e-12, mask_value=-10000.0, seed=0):
        if hidden % heads:
            raise ValueError(f"--hidden {hidden} is not a multiple of --heads {heads}")
        self.layers, self.hidden, self.heads, self.ffn = layers, hidden, heads, ffn
        self.vocab, self.max_positions, self.type_vocab = vocab, max_positions, type_vocab
        self.eps, self.mask_value, self.seed = eps, mask_value, seed


def embeddings(b: ExportBuilder, rng, cfg: Config) -> str:
    """word + position + token-type Gathers, summed, then LayerNorm."""
    h = cfg.hidden

    def table(rows):
        return (0.02 * rng.standard_normal((rows, h))).astype(np.float32)

    words = b.op("Gather", [b.param("embeddings.word_embeddings.weight", table(cfg.vocab)),
                            "input_ids"], axis=0)
    types = b.op("Gather", [b.param("embeddings.token_type_embeddings.weight",
                                    table(cfg.type_vocab)), "token_type_ids"], axis=0)
    x = b.op("Add", [words, types])
    # position_ids = self.position_ids[:, 0 : seq_length] (a registered int64 buffer)
    ids = b.param("embeddings.position_ids",
                  np.arange(cfg.max_positions, dtype=np.int64)[None], count=False)
    seq = b.unsqueeze(b.size("input_ids", 1), [0])
    positions = b.slice(ids, 0, seq, axis=1)
    pos = b.op("Gather", [b.param("embeddings.position_embeddings.weight",
                                  table(cfg.max_positions)), positions], axis=0)
    x = b.op("Add", [x, pos])
    return b.layer_norm(x, "embeddings.LayerNorm", *norm_params(rng, h), cfg.eps)


def extended_mask(b: ExportBuilder, cfg: Config) -> str:
    """``(1.0 - attention_mask[:, None, None, :].float()) * mask_value``: [B, 1, 1, S]."""
    m = b.unsqueeze(b.unsqueeze("attention_mask", [1]), [2])
    m = b.op("Cast", [m], to=1)
    m = b.op("Sub", [b.const(1.0, np.float32), m])
    return b.op("Mul", [m, b.const(cfg.mask_value, np.float32)])


def heads_view(b: ExportBuilder, x: str, cfg: Config) -> str:
    """``transpose_for_scores`` without the permute: ``x.view(x.size()[:-1] + (h, d))``."""
    n, s = b.size(x, 0), b.size(x, 1)
    return b.op("Reshape", [x, b.shape_of([n, s, cfg.heads, cfg.hidden // cfg.heads])])


def attention(b: ExportBuilder, rng, cfg: Config, x: str, mask: str, prefix: str) -> str:
    """BertAttention: self-attention, output dense, residual, LayerNorm."""
    h, dk = cfg.heads, cfg.hidden // cfg.heads
    p = f"{prefix}.attention.self"
    q = b.linear(x, f"{p}.query", *linear_params(rng, cfg.hidden, cfg.hidden))
    k = b.linear(x, f"{p}.key", *linear_params(rng, cfg.hidden, cfg.hidden))
    k = b.op("Transpose", [heads_view(b, k, cfg)], perm=[0, 2, 3, 1])  # permute + transpose(-1,-2)
    v = b.linear(x, f"{p}.value", *linear_params(rng, cfg.hidden, cfg.hidden))
    v = b.op("Transpose", [heads_view(b, v, cfg)], perm=[0, 2, 1, 3])
    q = b.op("Transpose", [heads_view(b, q, cfg)], perm=[0, 2, 1, 3])
    scores = b.op("Div", [b.op("MatMul", [q, k]), b.const(math.sqrt(dk), np.float32)])
    scores = b.op("Add", [scores, mask])
    probs = b.op("Softmax", [scores], axis=-1)
    ctx = b.op("Transpose", [b.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    n, s = b.size(ctx, 0), b.size(ctx, 1)
    ctx = b.op("Reshape", [ctx, b.shape_of([n, s, h * dk])])
    out = b.linear(ctx, f"{prefix}.attention.output.dense",
                   *linear_params(rng, cfg.hidden, cfg.hidden))
    out = b.op("Add", [out, x])
    return b.layer_norm(out, f"{prefix}.attention.output.LayerNorm",
                        *norm_params(rng, cfg.hidden), cfg.eps)


def gelu(b: ExportBuilder, x: str) -> str:
    """Exact GELU as opset-9 symbolic writes it: ``x * (1 + erf(x / √2)) * 0.5``."""
    erf = b.op("Erf", [b.op("Div", [x, b.const(math.sqrt(2.0), np.float32)])])
    one_plus = b.op("Add", [erf, b.const(1.0, np.float32)])
    return b.op("Mul", [b.op("Mul", [x, one_plus]), b.const(0.5, np.float32)])


def layer(b: ExportBuilder, rng, cfg: Config, x: str, mask: str, i: int) -> str:
    """BertLayer: attention, then intermediate (GELU) and output with residual LayerNorm."""
    prefix = f"encoder.layer.{i}"
    x = attention(b, rng, cfg, x, mask, prefix)
    y = b.linear(x, f"{prefix}.intermediate.dense", *linear_params(rng, cfg.hidden, cfg.ffn))
    y = gelu(b, y)
    y = b.linear(y, f"{prefix}.output.dense", *linear_params(rng, cfg.ffn, cfg.hidden))
    y = b.op("Add", [y, x])
    return b.layer_norm(y, f"{prefix}.output.LayerNorm", *norm_params(rng, cfg.hidden), cfg.eps)


def build(cfg: Config):
    """Returns (ModelProto, parameter count)."""
    rng = np.random.default_rng(cfg.seed)
    b = ExportBuilder(opset=14, first_value_id=100)
    x = embeddings(b, rng, cfg)
    mask = extended_mask(b, cfg)
    for i in range(cfg.layers):
        x = layer(b, rng, cfg, x, mask, i)
    b.rename_output(x, "last_hidden_state")
    dims = ["B", "S"]
    model = b.model(
        "torch-jit-export",
        inputs=[(n, np.int64, dims) for n in ("input_ids", "attention_mask", "token_type_ids")],
        outputs=[("last_hidden_state", np.float32, dims + [cfg.hidden])],
        doc=f"generated BERT encoder: layers={cfg.layers} hidden={cfg.hidden} heads={cfg.heads} "
            f"ffn={cfg.ffn} vocab={cfg.vocab} seed={cfg.seed}")
    return model, b.parameter_count


def config_from_args(args) -> Config:
    layers, hidden, heads, ffn, vocab, max_pos = PRESETS[args.preset]
    pick = lambda given, default: default if given is None else given  # noqa: E731
    mask_value = float(np.finfo(np.float32).min) if args.mask_value == "min" else -10000.0
    return Config(pick(args.layers, layers), pick(args.hidden, hidden), pick(args.heads, heads),
                  pick(args.ffn, ffn), pick(args.vocab, vocab), pick(args.max_positions, max_pos),
                  eps=args.eps, mask_value=mask_value, seed=args.seed)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="minilm")
    ap.add_argument("--layers", type=int)
    ap.add_argument("--hidden", type=int)
    ap.add_argument("--heads", type=int)
    ap.add_argument("--ffn", type=int, help="intermediate size")
    ap.add_argument("--vocab", type=int)
    ap.add_argument("--max-positions", type=int)
    ap.add_argument("--eps", type=float, default=1e-12, help="LayerNorm epsilon")
    ap.add_argument("--mask-value", choices=["-10000", "min"], default="-10000",
                    help="additive mask for padding: -10000 (older HF) or float32 min (newer)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="default hackathon/out/bert-<preset>.onnx")
    ap.add_argument("--ort", action="store_true", help="also run ONNX Runtime once as a smoke test")
    return ap.parse_args(argv)


def smoke_test(path: str, vocab: int) -> None:
    """Runs ORT on a [2, 16] batch (second item padded) and prints output statistics."""
    import onnxruntime as ort
    rng = np.random.default_rng(1)
    ids = rng.integers(0, vocab, size=(2, 16), dtype=np.int64)
    mask = np.ones((2, 16), dtype=np.int64)
    mask[1, 9:] = 0
    types = np.zeros((2, 16), dtype=np.int64)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    print(f"ORT: last_hidden_state {out.shape} mean {out.mean():+.4f} std {out.std():.4f} "
          f"max|x| {np.abs(out).max():.3f}")


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        cfg = config_from_args(args)
    except ValueError as e:
        print(f"generate_bert: {e}", file=sys.stderr)
        return 2
    out = args.out or f"hackathon/out/bert-{args.preset}.onnx"
    model, params = build(cfg)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    save(model, out)
    print(f"wrote {out}: {len(model.graph.node)} nodes, {params:,} parameters")
    if args.ort:
        smoke_test(out, cfg.vocab)
    return 0


if __name__ == "__main__":
    sys.exit(main())
