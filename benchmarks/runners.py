"""The runtimes the benchmark times: the workbench engine (a long-lived
``workbench bench-server`` subprocess), ONNX Runtime CPU, ONNX Runtime after
its transformers optimizer, and OpenVINO CPU (latency hint, f32).

Every runner has the same interface: ``run(feeds, iterations)`` returns the
per-iteration times in milliseconds, measured inside the runtime's process
around the inference call only, and keeps the last outputs in ``outputs``
(a list in the model's output order).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

import numpy as np


class Runner:
    """Base class: a name for tables, and the last outputs."""

    name = "runner"
    label = "runner"

    def __init__(self):
        self.outputs: list[np.ndarray] | None = None

    def run(self, feeds: dict[str, np.ndarray], iterations: int, npz: str | None = None) -> list[float]:
        raise NotImplementedError

    def close(self):
        pass


class OrtRunner(Runner):
    """ONNX Runtime CPU: default session, all graph optimizations, N intra-op threads."""

    name, label = "ort", "ORT"

    def __init__(self, model: str, threads: int, label: str | None = None, name: str | None = None):
        super().__init__()
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.version = ort.__version__
        if label:
            self.label = label
        if name:
            self.name = name

    def run(self, feeds, iterations, npz=None):
        feeds = {k: feeds[k] for k in self.input_names}
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            outputs = self.session.run(None, feeds)
            times.append((time.perf_counter() - start) * 1e3)
        self.outputs = outputs
        return times


def ort_transformers_optimize(model: str, out: str, num_heads: int, hidden_size: int) -> dict:
    """Runs ``onnxruntime.transformers.optimizer`` (model_type bert) and saves
    the result to ``out``; returns what it fused (or raises).

    ``opt_level=0``: only the optimizer's own fusions. Its ORT pre-pass
    (opt_level ≥ 1) imports torch in ORT 1.32 just to read its version; the
    session that runs the result applies all of ORT's graph optimizations anyway.
    """
    from onnxruntime.transformers.optimizer import optimize_model
    optimized = optimize_model(model, model_type="bert", num_heads=num_heads, hidden_size=hidden_size,
                               opt_level=0)
    stats = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
    optimized.save_model_to_file(out)
    return stats


class OpenVINORunner(Runner):
    """OpenVINO CPU plugin: latency hint, f32 inference precision, N threads."""

    name, label = "openvino", "OpenVINO f32"

    def __init__(self, model: str, threads: int):
        super().__init__()
        import openvino as ov
        core = ov.Core()
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32",
                  "INFERENCE_NUM_THREADS": threads}
        self.compiled = core.compile_model(core.read_model(model), "CPU", config)
        self.request = self.compiled.create_infer_request()
        self.input_names = [p.get_any_name() for p in self.compiled.inputs]
        self.version = ov.__version__ if hasattr(ov, "__version__") else ov.get_version()
        precision = self.compiled.get_property("INFERENCE_PRECISION_HINT")
        self.precision = precision.get_type_name() if hasattr(precision, "get_type_name") else str(precision)

    def run(self, feeds, iterations, npz=None):
        feeds = {k: feeds[k] for k in self.input_names}
        times = []
        result = None
        for _ in range(iterations):
            start = time.perf_counter()
            result = self.request.infer(feeds)
            times.append((time.perf_counter() - start) * 1e3)
        self.outputs = [np.array(result[o], copy=True) for o in self.compiled.outputs]
        return times


class WorkbenchRunner(Runner):
    """The workbench engine in a ``workbench bench-server`` subprocess; times
    are measured by the server around ``ExecutionContext.run``."""

    name, label = "workbench", "workbench"

    def __init__(self, binary: str, plan: str, env: dict | None = None):
        super().__init__()
        self.process = subprocess.Popen([binary, "bench-server", "--loadEngine", plan],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        bufsize=1, env=env)
        self.ready = self._read()
        if not self.ready.get("ready"):
            raise RuntimeError(f"workbench bench-server did not start: {self.ready}")
        self.output_names = self.ready["outputs"]
        self.blas_core = self.ready["blasCore"]
        self.kernel_isa = self.ready.get("kernelISA")
        self.thread_pinning = self.ready.get("threadPinning")
        self.max_resident_bytes = 0
        self._scratch = tempfile.mkdtemp(prefix="wb-bench-")

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"workbench bench-server exited (status {self.process.poll()})")
        return json.loads(line)

    def request(self, **fields) -> dict:
        self.process.stdin.write(json.dumps(fields) + "\n")
        self.process.stdin.flush()
        reply = self._read()
        if not reply.get("ok"):
            raise RuntimeError(f"workbench bench-server: {reply.get('error')}")
        return reply

    def run(self, feeds, iterations, npz=None, save=True):
        if npz is None:
            raise ValueError("the workbench runner reads its inputs from the cell's .npz")
        out = os.path.join(self._scratch, "outputs.npz") if save else None
        fields = {"inputs": os.path.abspath(npz), "iterations": iterations, "warmUp": 0}
        if out:
            fields["saveOutputs"] = out
        reply = self.request(**fields)
        self.max_resident_bytes = max(self.max_resident_bytes, reply.get("maxResidentBytes", 0))
        if out:
            with np.load(out) as z:
                self.outputs = [z[n] for n in self.output_names]
        return reply["timesMs"]

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"quit": True}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
