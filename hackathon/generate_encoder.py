#!/usr/bin/env python3
"""Generates the WeNet U2++ Conformer encoder of the TensorRT Hackathon 2022,
node for node as PyTorch's legacy TorchScript exporter writes it at opset 13,
with seeded random weights.

    python3 hackathon/generate_encoder.py --out hackathon/out/encoder.onnx
    python3 hackathon/generate_encoder.py --layers 2 --dim 32 --heads 2 --ffn 64 \
        --max-len 512 --out /tmp/tiny.onnx

The graph follows wenet/transformer (encoder.py, encoder_layer.py,
attention.py, convolution.py, subsampling.py, embedding.py) in eval mode with
full attention (no chunk mask); see hackathon/README.md for the deviations.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exportlike import (ExportBuilder, linear_params, norm_params, save,  # noqa: E402
                        uniform)


class Config:
    """Encoder hyper-parameters (defaults: the hackathon model)."""

    def __init__(self, layers=12, dim=256, heads=4, ffn=2048, kernel=15, feat=80,
                 max_len=5000, eps=1e-12, seed=0):
        if dim % heads:
            raise ValueError(f"--dim {dim} is not a multiple of --heads {heads}")
        if kernel % 2 == 0:
            raise ValueError(f"--kernel {kernel} must be odd (symmetric padding)")
        if feat < 7:
            raise ValueError(f"--feat {feat} leaves no frequency bins after subsampling")
        self.layers, self.dim, self.heads, self.ffn = layers, dim, heads, ffn
        self.kernel, self.feat, self.max_len, self.eps, self.seed = kernel, feat, max_len, eps, seed

    @property
    def subsampled_feat(self) -> int:
        """Frequency bins after two k3 s2 convs: ((feat - 1) // 2 - 1) // 2 (19 for 80)."""
        return ((self.feat - 1) // 2 - 1) // 2


def sinusoid_table(max_len: int, dim: int) -> np.ndarray:
    """WeNet's ``PositionalEncoding.pe``: [1, max_len, dim], sin on even, cos on odd columns."""
    position = np.arange(max_len, dtype=np.float32)[:, None]
    div_term = np.exp(np.arange(0, dim, 2, dtype=np.float32) * -(math.log(10000.0) / dim))
    pe = np.zeros((max_len, dim), dtype=np.float32)
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term)
    return pe[None]


def pad_mask(b: ExportBuilder, speech: str, lengths: str) -> str:
    """``masks = ~make_pad_mask(lengths, T).unsqueeze(1)``: bool [B, 1, T], True on frames."""
    batch = b.size(lengths, 0)
    frames = b.size(speech, 1)
    seq_range = b.op("Range", [b.const(0, np.int64), frames, b.const(1, np.int64)])
    expanded = b.op("Expand", [b.unsqueeze(seq_range, [0]), b.shape_of([batch, frames])])
    limits = b.op("Cast", [b.unsqueeze(lengths, [-1])], to=7)  # int32 -> int64 promotion
    padded = b.op("GreaterOrEqual", [expanded, limits])
    return b.unsqueeze(b.op("Not", [padded]), [1])


def subsampling(b: ExportBuilder, rng, cfg: Config, x: str):
    """Conv2dSubsampling4 + RelPositionalEncoding: returns (x, pos_emb)."""
    d = cfg.dim
    x = b.unsqueeze(x, [1])  # (B, 1, T, F)
    w0 = uniform(rng, (d, 1, 3, 3), 1.0 / 3.0)
    x = b.op("Conv", [x, b.param("encoder.embed.conv.0.weight", w0),
                      b.param("encoder.embed.conv.0.bias", uniform(rng, (d,), 1.0 / 3.0))],
             dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[2, 2])
    x = b.op("Relu", [x])
    bound = 1.0 / math.sqrt(d * 9)
    x = b.op("Conv", [x, b.param("encoder.embed.conv.2.weight", uniform(rng, (d, d, 3, 3), bound)),
                      b.param("encoder.embed.conv.2.bias", uniform(rng, (d,), bound))],
             dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[2, 2])
    x = b.op("Relu", [x])
    # b, c, t, f = x.size(); x.transpose(1, 2).contiguous().view(b, t, c * f)
    n, c, t, f = (b.size(x, i) for i in range(4))
    x = b.op("Transpose", [x], perm=[0, 2, 1, 3])
    x = b.op("Reshape", [x, b.shape_of([n, t, b.op("Mul", [c, f])])])
    w, bias = linear_params(rng, d * cfg.subsampled_feat, d)
    x = b.linear(x, "encoder.embed.out.0", w, bias)
    # RelPositionalEncoding: x * sqrt(d), pos_emb = pe[:, 0:x.size(1)]
    x = b.op("Mul", [x, b.const(math.sqrt(d), np.float32)])
    pe = b.constant_initializer("Slice", sinusoid_table(cfg.max_len, d), count=False)
    pos_emb = b.slice(pe, 0, b.unsqueeze(b.size(x, 1), [0]), axis=1)
    return x, pos_emb


def feed_forward(b: ExportBuilder, rng, cfg: Config, x: str, prefix: str, norm: str) -> str:
    """Macaron half-step: ``x + 0.5 * w_2(swish(w_1(LN(x))))``."""
    y = b.layer_norm(x, f"{prefix}.{norm}", *norm_params(rng, cfg.dim), cfg.eps)
    module = "feed_forward_macaron" if norm == "norm_ff_macaron" else "feed_forward"
    y = b.linear(y, f"{prefix}.{module}.w_1", *linear_params(rng, cfg.dim, cfg.ffn))
    y = b.swish(y)
    y = b.linear(y, f"{prefix}.{module}.w_2", *linear_params(rng, cfg.ffn, cfg.dim))
    return b.op("Add", [x, b.op("Mul", [y, b.const(0.5, np.float32)])])


def split_heads(b: ExportBuilder, x: str, batch: str, cfg: Config) -> str:
    """``x.view(batch, -1, h, d_k)``."""
    return b.op("Reshape", [x, b.shape_of([batch, -1, cfg.heads, cfg.dim // cfg.heads])])


def self_attention(b: ExportBuilder, rng, cfg: Config, x: str, mask: str, pos_emb: str,
                   prefix: str) -> str:
    """RelPositionMultiHeadedAttention (WeNet: no rel_shift), pre-norm, with residual."""
    d, h, dk = cfg.dim, cfg.heads, cfg.dim // cfg.heads
    p = f"{prefix}.self_attn"
    y = b.layer_norm(x, f"{prefix}.norm_mha", *norm_params(rng, d), cfg.eps)
    batch = b.size(y, 0)
    q = split_heads(b, b.linear(y, f"{p}.linear_q", *linear_params(rng, d, d)), batch, cfg)
    k = split_heads(b, b.linear(y, f"{p}.linear_k", *linear_params(rng, d, d)), batch, cfg)
    v = split_heads(b, b.linear(y, f"{p}.linear_v", *linear_params(rng, d, d)), batch, cfg)
    k = b.op("Transpose", [k], perm=[0, 2, 3, 1])  # transpose(1,2) then transpose(-2,-1), fused
    v = b.op("Transpose", [v], perm=[0, 2, 1, 3])
    pos = b.linear(pos_emb, f"{p}.linear_pos", linear_params(rng, d, d, bias=False)[0], None)
    pos = split_heads(b, pos, b.size(pos_emb, 0), cfg)
    pos = b.op("Transpose", [pos], perm=[0, 2, 3, 1])
    bias_bound = math.sqrt(6.0 / (h + dk))  # xavier_uniform_
    u = b.param(f"{p}.pos_bias_u", uniform(rng, (h, dk), bias_bound))
    vb = b.param(f"{p}.pos_bias_v", uniform(rng, (h, dk), bias_bound))
    q_u = b.op("Transpose", [b.op("Add", [q, u])], perm=[0, 2, 1, 3])
    q_v = b.op("Transpose", [b.op("Add", [q, vb])], perm=[0, 2, 1, 3])
    ac = b.op("MatMul", [q_u, k])
    bd = b.op("MatMul", [q_v, pos])
    scores = b.op("Div", [b.op("Add", [ac, bd]), b.const(math.sqrt(dk), np.float32)])
    # forward_attention: mask = mask.unsqueeze(1).eq(0); masked_fill; softmax; masked_fill
    masked = b.op("Equal", [b.unsqueeze(mask, [1]), b.const(False, np.bool_)])
    scores = b.op("Where", [masked, b.const(-np.inf, np.float32), scores])
    attn = b.op("Softmax", [scores], axis=-1)
    attn = b.op("Where", [masked, b.const(0.0, np.float32), attn])
    ctx = b.op("Transpose", [b.op("MatMul", [attn, v])], perm=[0, 2, 1, 3])
    ctx = b.op("Reshape", [ctx, b.shape_of([batch, -1, h * dk])])
    out = b.linear(ctx, f"{p}.linear_out", *linear_params(rng, d, d))
    return b.op("Add", [x, out])


def conv_module(b: ExportBuilder, rng, cfg: Config, x: str, mask_pad: str, prefix: str) -> str:
    """ConvolutionModule (pre-norm, with residual): pointwise, GLU, depthwise, BN, swish, pointwise."""
    d, k = cfg.dim, cfg.kernel
    p = f"{prefix}.conv_module"
    y = b.layer_norm(x, f"{prefix}.norm_conv", *norm_params(rng, d), cfg.eps)
    y = b.op("Transpose", [y], perm=[0, 2, 1])  # (B, C, T)
    y = b.op("Where", [b.op("Not", [mask_pad]), b.const(0.0, np.float32), y])
    bound = 1.0 / math.sqrt(d)
    y = b.op("Conv", [y, b.param(f"{p}.pointwise_conv1.weight", uniform(rng, (2 * d, d, 1), bound)),
                      b.param(f"{p}.pointwise_conv1.bias", uniform(rng, (2 * d,), bound))],
             dilations=[1], group=1, kernel_shape=[1], pads=[0, 0], strides=[1])
    first, second = b.op("Split", [y], outputs=2, axis=1)  # GLU over channels
    y = b.op("Mul", [first, b.op("Sigmoid", [second])])
    bound = 1.0 / math.sqrt(k)
    y = b.op("Conv", [y, b.param(f"{p}.depthwise_conv.weight", uniform(rng, (d, 1, k), bound)),
                      b.param(f"{p}.depthwise_conv.bias", uniform(rng, (d,), bound))],
             dilations=[1], group=d, kernel_shape=[k], pads=[(k - 1) // 2] * 2, strides=[1])
    gamma, beta = norm_params(rng, d)
    mean = (0.1 * rng.standard_normal(d)).astype(np.float32)
    var = rng.uniform(0.2, 0.6, size=d).astype(np.float32)
    y = b.op("BatchNormalization", [y, b.param(f"{p}.norm.weight", gamma),
                                    b.param(f"{p}.norm.bias", beta),
                                    b.param(f"{p}.norm.running_mean", mean),
                                    b.param(f"{p}.norm.running_var", var)],
             epsilon=1e-5, momentum=0.9)
    y = b.swish(y)
    bound = 1.0 / math.sqrt(d)
    y = b.op("Conv", [y, b.param(f"{p}.pointwise_conv2.weight", uniform(rng, (d, d, 1), bound)),
                      b.param(f"{p}.pointwise_conv2.bias", uniform(rng, (d,), bound))],
             dilations=[1], group=1, kernel_shape=[1], pads=[0, 0], strides=[1])
    y = b.op("Where", [b.op("Not", [mask_pad]), b.const(0.0, np.float32), y])
    y = b.op("Transpose", [y], perm=[0, 2, 1])
    return b.op("Add", [x, y])


def conformer_layer(b: ExportBuilder, rng, cfg: Config, x, mask, pos_emb, i: int) -> str:
    """ConformerEncoderLayer: FFN/2, MHSA, conv, FFN/2, final LayerNorm."""
    prefix = f"encoder.encoders.{i}"
    x = feed_forward(b, rng, cfg, x, prefix, "norm_ff_macaron")
    x = self_attention(b, rng, cfg, x, mask, pos_emb, prefix)
    x = conv_module(b, rng, cfg, x, mask, prefix)
    x = feed_forward(b, rng, cfg, x, prefix, "norm_ff")
    return b.layer_norm(x, f"{prefix}.norm_final", *norm_params(rng, cfg.dim), cfg.eps)


def cmvn_stats(rng, feat: int):
    """Plausible fbank statistics: means around 8-14, standard deviations 2-4."""
    mean = rng.uniform(8.0, 14.0, size=feat).astype(np.float32)
    istd = (1.0 / rng.uniform(2.0, 4.0, size=feat)).astype(np.float32)
    return mean, istd


def build(cfg: Config):
    """Returns (ModelProto, parameter count without the sinusoid table)."""
    rng = np.random.default_rng(cfg.seed)
    b = ExportBuilder(opset=13, first_value_id=200)
    masks = pad_mask(b, "speech", "speech_lengths")
    mean, istd = cmvn_stats(rng, cfg.feat)
    x = b.op("Sub", ["speech", b.param("encoder.global_cmvn.mean", mean)])
    x = b.op("Mul", [x, b.param("encoder.global_cmvn.istd", istd)])
    x, pos_emb = subsampling(b, rng, cfg, x)
    masks = b.slice(masks, 0, -2, axis=2, step=2)  # x_mask[:, :, :-2:2] (a Slice on bool)
    masks = b.slice(masks, 0, -2, axis=2, step=2)  # [:, :, :-2:2]
    for i in range(cfg.layers):
        x = conformer_layer(b, rng, cfg, x, masks, pos_emb, i)
    gamma, beta = norm_params(rng, cfg.dim)
    out = b.layer_norm(x, "encoder.after_norm", gamma, beta, cfg.eps)
    # encoder_out_lens = encoder_mask.squeeze(1).sum(1).int()
    lens = b.op("Squeeze", [masks, b.const([1], np.int64)])
    lens = b.op("ReduceSum", [b.op("Cast", [lens], to=7), b.const([1], np.int64)], keepdims=0)
    lens = b.op("Cast", [lens], to=6)
    b.rename_output(out, "encoder_out")
    b.rename_output(lens, "encoder_out_lens")
    model = b.model(
        "torch-jit-export",
        inputs=[("speech", np.float32, ["B", "T", cfg.feat]), ("speech_lengths", np.int32, ["B"])],
        outputs=[("encoder_out", np.float32, ["B", "Addencoder_out_dim_1", cfg.dim]),
                 ("encoder_out_lens", np.int32, ["B"])],
        doc=f"generated WeNet U2++ Conformer encoder: layers={cfg.layers} dim={cfg.dim} "
            f"heads={cfg.heads} ffn={cfg.ffn} kernel={cfg.kernel} seed={cfg.seed}")
    return model, b.parameter_count


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--dim", type=int, default=256, help="attention dim (output_size)")
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=2048, help="linear_units")
    ap.add_argument("--kernel", type=int, default=15, help="cnn_module_kernel")
    ap.add_argument("--feat", type=int, default=80, help="fbank bins of `speech`")
    ap.add_argument("--max-len", type=int, default=5000, help="rows of the sinusoid table")
    ap.add_argument("--eps", type=float, default=1e-12,
                    help="LayerNorm epsilon (WeNet of 2022: 1e-12; later 1e-5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="hackathon/out/encoder.onnx")
    ap.add_argument("--ort", action="store_true", help="also run ONNX Runtime once as a smoke test")
    return ap.parse_args(argv)


def smoke_test(path: str, feat: int) -> None:
    """Runs ORT on a [2, 64, feat] batch and prints the output statistics."""
    import onnxruntime as ort
    rng = np.random.default_rng(1)
    speech = (10.0 + 3.0 * rng.standard_normal((2, 64, feat))).astype(np.float32)
    lengths = np.array([64, 40], dtype=np.int32)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out, lens = sess.run(None, {"speech": speech, "speech_lengths": lengths})
    print(f"ORT: encoder_out {out.shape} mean {out.mean():+.4f} std {out.std():.4f} "
          f"max|x| {np.abs(out).max():.3f}; encoder_out_lens {lens.tolist()}")


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        cfg = Config(args.layers, args.dim, args.heads, args.ffn, args.kernel, args.feat,
                     args.max_len, args.eps, args.seed)
    except ValueError as e:
        print(f"generate_encoder: {e}", file=sys.stderr)
        return 2
    model, params = build(cfg)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save(model, args.out)
    table = cfg.max_len * cfg.dim
    print(f"wrote {args.out}: {len(model.graph.node)} nodes, {params:,} parameters "
          f"({params + table:,} with the {table:,}-value sinusoid table)")
    if args.ort:
        smoke_test(args.out, cfg.feat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
