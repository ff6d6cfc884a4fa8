#!/usr/bin/env python3
"""Writes reference data like the hackathon's ``encoder-<B>-<T>.npz``: seeded
inputs plus the outputs ONNX Runtime computes on the generated model (CPU,
default graph optimizations, 2 intra-op threads): the baseline.

    python3 hackathon/generate_data.py                    # encoder and BERT, default matrix
    python3 hackathon/generate_data.py --which encoder --cells 1x16,4x64 --force

Files (uncompressed ``np.savez``), one per cell, in ``--out-dir``:
  encoder-<B>-<T>.npz  speech f32 [B,T,80], speech_lengths i32 [B],
                       encoder_out f32 [B,T',256], encoder_out_lens i32 [B]
  bert-<B>-<S>.npz     input_ids, attention_mask, token_type_ids i64 [B,S],
                       last_hidden_state f32 [B,S,H]
Existing files are kept unless ``--force``. Missing models are generated
first with the default (full-size) settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

ENCODER_CELLS = [(b, t) for b in (1, 4, 16) for t in (16, 64, 256)] + [(1, 1024)]
BERT_CELLS = [(b, s) for b in (1, 4, 16) for s in (16, 64, 256)] + [(1, 512)]


def cell_rng(seed: int, kind: str, batch: int, length: int) -> np.random.Generator:
    """A generator per cell, so any cell regenerates alone to the same bytes."""
    return np.random.default_rng([seed, zlib.crc32(kind.encode()), batch, length])


def subsampled_frames(frames: int) -> int:
    """Frames after Conv2dSubsampling4: two k3 s2 convolutions without padding."""
    return ((frames - 1) // 2 - 1) // 2


def varied_lengths(rng: np.random.Generator, batch: int, full: int, low: int) -> np.ndarray:
    """First item ``full``, the rest uniform in [max(low, full // 2), full - 1]
    (so every batch of two or more has padding)."""
    lo = min(max(low, full // 2), full - 1)
    lengths = rng.integers(lo, full, size=batch)
    lengths[0] = full
    return lengths


def speech_inputs(rng, batch: int, frames: int, feat: int = 80, mean=None, istd=None):
    """Fbank-like features around the CMVN statistics; padded frames are zeros.

    Every item keeps at least 7 frames, so at least one frame survives subsampling.
    """
    if subsampled_frames(frames) < 1:
        raise ValueError(f"{frames} frames leave nothing after 4x subsampling (need >= 7)")
    mean = np.full(feat, 11.0, np.float32) if mean is None else mean
    std = np.full(feat, 3.0, np.float32) if istd is None else 1.0 / istd
    speech = (mean + std * rng.standard_normal((batch, frames, feat))).astype(np.float32)
    lengths = varied_lengths(rng, batch, frames, 7).astype(np.int32)
    for i, n in enumerate(lengths):
        speech[i, n:] = 0.0
    return {"speech": speech, "speech_lengths": lengths}


def bert_inputs(rng, batch: int, seq: int, vocab: int):
    """Token ids with [CLS] ... [SEP] then padding (id 0, mask 0); two segments."""
    ids = rng.integers(min(999, vocab // 2), vocab, size=(batch, seq), dtype=np.int64)
    mask = np.zeros((batch, seq), dtype=np.int64)
    types = np.zeros((batch, seq), dtype=np.int64)
    lengths = varied_lengths(rng, batch, seq, 2)
    cls, sep = min(101, vocab - 1), min(102, vocab - 1)
    for i, n in enumerate(lengths):
        ids[i, 0], ids[i, n - 1], ids[i, n:] = cls, sep, 0
        mask[i, :n] = 1
        types[i, n // 2:n] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def ort_session(path: str, threads: int = 2):
    """The baseline session: CPU provider, default optimizations, ``threads`` intra-op threads."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def run_ort(session, feeds: dict) -> dict:
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def write_npz(path: str, arrays: dict) -> None:
    """Writes atomically (temporary file, then rename)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def model_inputs(model, kind: str, rng, batch: int, length: int) -> dict:
    """Seeded feeds for a generated model (a ``ModelProto``) of ``kind`` encoder or bert.

    Speech follows the model's CMVN statistics; token ids its vocabulary size.
    """
    from onnx import numpy_helper
    init = {t.name: t for t in model.graph.initializer}
    if kind == "encoder":
        mean = numpy_helper.to_array(init["encoder.global_cmvn.mean"])
        istd = numpy_helper.to_array(init["encoder.global_cmvn.istd"])
        return speech_inputs(rng, batch, length, mean.shape[0], mean, istd)
    positions = init["embeddings.position_embeddings.weight"].dims[0]
    if length > positions:
        raise ValueError(f"sequence length {length} exceeds the model's {positions} positions")
    return bert_inputs(rng, batch, length, init["embeddings.word_embeddings.weight"].dims[0])


def ensure_model(path: str, which: str, preset: str) -> None:
    if os.path.exists(path):
        return
    print(f"{path} missing: generating it")
    if which == "encoder":
        import generate_encoder
        rc = generate_encoder.main(["--out", path])
    else:
        import generate_bert
        rc = generate_bert.main(["--preset", preset, "--out", path])
    if rc != 0:
        raise SystemExit(rc)


def parse_cells(text: str | None, default):
    if not text:
        return default
    try:
        return [tuple(int(v) for v in c.lower().split("x")) for c in text.split(",")]
    except ValueError:
        raise SystemExit(f"generate_data: --cells wants BxT pairs like 1x16,4x64, got '{text}'")


def generate(kind: str, model: str, cells, out_dir: str, seed: int, force: bool,
             threads: int) -> int:
    """Writes one file per cell; returns how many were (re)written."""
    import onnx
    proto = onnx.load(model)
    session, written = None, 0
    for batch, length in cells:
        path = os.path.join(out_dir, f"{kind}-{batch}-{length}.npz")
        if os.path.exists(path) and not force:
            print(f"keep  {path}")
            continue
        feeds = model_inputs(proto, kind, cell_rng(seed, kind, batch, length), batch, length)
        if session is None:
            session = ort_session(model, threads)
        outputs = run_ort(session, feeds)
        write_npz(path, {**feeds, **outputs})
        shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in outputs.items())
        print(f"wrote {path}: {shapes}")
        written += 1
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--which", choices=["encoder", "bert", "both"], default="both")
    ap.add_argument("--encoder", default=os.path.join(HERE, "out", "encoder.onnx"))
    ap.add_argument("--bert", default=None, help="default hackathon/out/bert-<preset>.onnx")
    ap.add_argument("--bert-preset", default="minilm", help="preset used when the model is missing")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "out", "data"))
    ap.add_argument("--cells", help="BxT list for the encoder (default: the hackathon matrix)")
    ap.add_argument("--bert-cells", help="BxS list for BERT")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    args = ap.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    try:
        if args.which in ("encoder", "both"):
            ensure_model(args.encoder, "encoder", "")
            generate("encoder", args.encoder, parse_cells(args.cells, ENCODER_CELLS),
                     args.out_dir, args.seed, args.force, args.threads)
        if args.which in ("bert", "both"):
            bert = args.bert or os.path.join(HERE, "out", f"bert-{args.bert_preset}.onnx")
            ensure_model(bert, "bert", args.bert_preset)
            generate("bert", bert, parse_cells(args.bert_cells, BERT_CELLS),
                     args.out_dir, args.seed, args.force, args.threads)
    except ValueError as e:
        print(f"generate_data: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
