"""A tiny graph builder that writes ONNX the way PyTorch's legacy TorchScript
exporter (torch.onnx.export, torch 1.10-1.12 era) does.

What it imitates, so that importers and passes meet the real patterns:

* node names ``<OpType>_<n>`` from one running counter (``MatMul_123``,
  ``Slice_79``);
* intermediate values numbered from a second counter and, at the end, named
  after their first consumer (``onnx::Gather_245``), as torch >= 1.12 does;
* small constants (axes, scalars, slice bounds) as ``Constant`` nodes, module
  parameters as initializers under their ``state_dict`` names, and the
  transposed weights of ``nn.Linear`` on 3-D inputs as ``onnx::MatMul_<n>``
  initializers feeding ``MatMul`` followed by ``Add(bias, matmul)``;
* ``nn.LayerNorm`` decomposed (opset < 17): ReduceMean, Sub, Pow, ReduceMean,
  Add, Sqrt, Div, Mul, Add;
* ``x.size(i)`` as ``Shape`` -> ``Gather(axis=0)`` of a scalar index, and
  ``view``/``reshape`` targets built with ``Unsqueeze`` + ``Concat``.

Only numpy and onnx are needed; every random draw goes through the caller's
``numpy.random.Generator`` so a seed fixes the whole model.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

_NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.bool_): TensorProto.BOOL,
}


class ExportBuilder:
    """Collects nodes and initializers; ``model()`` returns a checked ``ModelProto``."""

    def __init__(self, opset: int, first_value_id: int = 0):
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.parameter_count = 0
        self._node_counter = 0
        self._value_counter = first_value_id

    # -- values and nodes ---------------------------------------------------

    def _fresh(self) -> str:
        name = str(self._value_counter)
        self._value_counter += 1
        return name

    def op(self, op_type: str, inputs: list[str], outputs: int = 1, **attrs):
        """Appends one node and returns its output name (a list when ``outputs > 1``)."""
        outs = [self._fresh() for _ in range(outputs)]
        name = f"{op_type}_{self._node_counter}"
        self._node_counter += 1
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def const(self, value, dtype=None) -> str:
        """A ``Constant`` node holding ``value`` (a scalar stays rank 0)."""
        array = np.asarray(value, dtype=dtype)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        return self.op("Constant", [], value=numpy_helper.from_array(array))

    def param(self, name: str, array: np.ndarray, count: bool = True) -> str:
        """An initializer named like the module's ``state_dict`` entry."""
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        if count:
            self.parameter_count += int(array.size)
        return name

    def constant_initializer(self, prefix: str, array: np.ndarray, count: bool = True) -> str:
        """An initializer the exporter made by folding (``onnx::<Consumer>_<n>``)."""
        return self.param(f"onnx::{prefix}_{self._fresh()}", array, count=count)

    # -- common torch patterns ----------------------------------------------

    def linear(self, x: str, prefix: str, weight: np.ndarray, bias: np.ndarray | None) -> str:
        """``nn.Linear`` on a rank-3 input: ``MatMul(x, Wᵀ)`` then ``Add(bias, ·)``.

        ``weight`` is torch's ``[out, in]``; the transposed copy becomes an
        ``onnx::MatMul_<n>`` initializer (the exporter folds ``t(weight)``).
        The bias, when present, keeps its ``state_dict`` name.
        """
        w_t = self.constant_initializer("MatMul", np.ascontiguousarray(weight.T), count=False)
        self.parameter_count += int(weight.size)
        y = self.op("MatMul", [x, w_t])
        if bias is None:
            return y
        return self.op("Add", [self.param(f"{prefix}.bias", bias), y])

    def layer_norm(self, x: str, prefix: str, gamma: np.ndarray, beta: np.ndarray,
                   eps: float) -> str:
        """Decomposed ``nn.LayerNorm`` over the last axis (opset < 17).

        y = (x - E[x]) / sqrt(E[(x - E[x])²] + eps) * γ + β
        """
        mean = self.op("ReduceMean", [x], axes=[-1])
        centered = self.op("Sub", [x, mean])
        squared = self.op("Pow", [centered, self.const(2.0, np.float32)])
        variance = self.op("ReduceMean", [squared], axes=[-1])
        denom = self.op("Sqrt", [self.op("Add", [variance, self.const(eps, np.float32)])])
        normed = self.op("Div", [centered, denom])
        scaled = self.op("Mul", [normed, self.param(f"{prefix}.weight", gamma)])
        return self.op("Add", [scaled, self.param(f"{prefix}.bias", beta)])

    def size(self, x: str, axis: int) -> str:
        """``x.size(axis)``: ``Shape`` then ``Gather`` of a scalar index (a rank-0 int64)."""
        shape = self.op("Shape", [x])
        return self.op("Gather", [shape, self.const(axis, np.int64)], axis=0)

    def unsqueeze(self, x: str, axes: list[int]) -> str:
        """``Unsqueeze`` with the axes as an input (opset >= 13)."""
        return self.op("Unsqueeze", [x, self.const(axes, np.int64)])

    def shape_of(self, parts: list) -> str:
        """A shape tensor from scalars (value names) and ints, via Unsqueeze + Concat."""
        pieces = []
        for p in parts:
            if isinstance(p, str):
                pieces.append(self.unsqueeze(p, [0]))
            else:
                pieces.append(self.const([p], np.int64))
        return self.op("Concat", pieces, axis=0)

    def slice(self, x: str, start, end, axis: int, step: int = 1) -> str:
        """``x[..., start:end:step]`` on one axis; ``end`` may be a rank-1 value name."""
        starts = self.const([start], np.int64)
        ends = end if isinstance(end, str) else self.const([end], np.int64)
        return self.op("Slice", [x, starts, ends, self.const([axis], np.int64),
                                 self.const([step], np.int64)])

    def swish(self, x: str) -> str:
        """WeNet's ``Swish``: ``x * sigmoid(x)``."""
        return self.op("Mul", [x, self.op("Sigmoid", [x])])

    # -- finishing ----------------------------------------------------------

    def _rename_intermediates(self, keep: set[str]) -> None:
        """Names numeric values ``onnx::<FirstConsumerOp>_<n>`` as torch >= 1.12 does."""
        first_consumer: dict[str, str] = {}
        for node in self.nodes:
            for v in node.input:
                first_consumer.setdefault(v, node.op_type)
        rename = {}
        for node in self.nodes:
            for v in node.output:
                if v.isdigit() and v not in keep:
                    rename[v] = f"onnx::{first_consumer.get(v, node.op_type)}_{v}"
        for node in self.nodes:
            node.input[:] = [rename.get(v, v) for v in node.input]
            node.output[:] = [rename.get(v, v) for v in node.output]

    def rename_output(self, value: str, new_name: str) -> None:
        """Gives the producer of ``value`` the graph output name ``new_name``."""
        for node in self.nodes:
            node.output[:] = [new_name if v == value else v for v in node.output]
            node.input[:] = [new_name if v == value else v for v in node.input]

    def model(self, graph_name: str, inputs, outputs, doc: str = "") -> onnx.ModelProto:
        """Builds and checks the model. ``inputs``/``outputs``: (name, np dtype, dims)."""
        self._rename_intermediates({o[0] for o in outputs})

        def info(name, dtype, dims):
            return helper.make_tensor_value_info(name, _NP_TO_ONNX[np.dtype(dtype)], dims)

        graph = helper.make_graph(self.nodes, graph_name,
                                  [info(*i) for i in inputs], [info(*o) for o in outputs],
                                  initializer=self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="pytorch", producer_version="1.12.0",
                                  doc_string=doc)
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model


def uniform(rng: np.random.Generator, shape, bound: float) -> np.ndarray:
    """float32 draws from U(-bound, bound)."""
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def linear_params(rng: np.random.Generator, fan_in: int, fan_out: int, bias: bool = True):
    """torch's default ``nn.Linear`` init: W, b ~ U(±1/√fan_in); W is ``[out, in]``."""
    bound = 1.0 / np.sqrt(fan_in)
    w = uniform(rng, (fan_out, fan_in), bound)
    return w, (uniform(rng, (fan_out,), bound) if bias else None)


def norm_params(rng: np.random.Generator, size: int, noise: float = 0.05):
    """A trained-looking LayerNorm: γ ≈ 1, β ≈ 0 with small noise."""
    gamma = (1.0 + noise * rng.standard_normal(size)).astype(np.float32)
    beta = (noise * rng.standard_normal(size)).astype(np.float32)
    return gamma, beta


def save(model: onnx.ModelProto, path: str) -> None:
    """Writes the model (one file, no external data)."""
    onnx.save_model(model, path)
