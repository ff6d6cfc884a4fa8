"""FLOPs of a model at given input shapes, counted from the graph: every
MatMul, Gemm and Conv contributes 2 × its multiply-accumulates.

Shapes come from running the model once in ONNX Runtime with the inputs and
outputs of those nodes added as graph outputs (ONNX shape inference leaves
some of the Conformer's relative-position attention shapes symbolic), so the
count is exact at the cell's shapes:

* MatMul: |Y| × K, K the last axis of A;
* Gemm:   |Y| × K, K = A.shape[0] if transA else A.shape[1];
* Conv:   |Y| × (C_in / group) × prod(kernel), from the weight's shape.

    python3 benchmarks/flops.py model.onnx cell.npz     # prints GFLOP per op type
"""

from __future__ import annotations

import sys

import numpy as np
import onnx

COUNTED = ("MatMul", "Gemm", "Conv")


class FlopCounter:
    """Counts the FLOPs of one model at any cell's shapes (one ORT session)."""

    def __init__(self, model_path: str):
        import onnxruntime as ort
        model = onnx.load(model_path)
        graph = model.graph
        initializers = {t.name: list(t.dims) for t in graph.initializer}
        existing = {o.name for o in graph.output}
        self.nodes = [n for n in graph.node if n.op_type in COUNTED]
        self.weights = initializers
        probe: list[str] = []
        for node in self.nodes:
            for name in (node.input[0], node.output[0]):
                if name not in initializers and name not in existing and name not in probe:
                    probe.append(name)
        for name in probe:
            graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
        self.probe = probe
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        opts.intra_op_num_threads = 2
        self.session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]

    def count(self, feeds: dict[str, np.ndarray]) -> dict[str, float]:
        """FLOPs per op type (and ``total``) at the shapes of ``feeds``."""
        values = self.session.run(None, {k: feeds[k] for k in self.input_names})
        shapes = {n: v.shape for n, v in zip(self.output_names, values)}
        shapes.update({k: tuple(v) for k, v in self.weights.items()})
        flops = {op: 0.0 for op in COUNTED}
        for node in self.nodes:
            a, y = shapes[node.input[0]], shapes[node.output[0]]
            out = float(np.prod(y))
            if node.op_type == "MatMul":
                k = a[-1]
            elif node.op_type == "Gemm":
                trans_a = any(at.name == "transA" and at.i for at in node.attribute)
                k = a[0] if trans_a else a[1]
            else:
                w = shapes[node.input[1]]
                k = float(np.prod(w[1:]))
            flops[node.op_type] += 2.0 * out * k
        flops["total"] = sum(flops[op] for op in COUNTED)
        return flops


def main():
    model, npz = sys.argv[1], sys.argv[2]
    with np.load(npz) as z:
        feeds = {k: z[k] for k in z.files}
    for op, f in FlopCounter(model).count(feeds).items():
        print(f"{op:8s} {f / 1e9:10.3f} GFLOP")


if __name__ == "__main__":
    main()
