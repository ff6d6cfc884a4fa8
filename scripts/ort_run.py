#!/usr/bin/env python3
"""Runs an ONNX model with ONNX Runtime (CPU) for `workbench compare`.

Usage: ort_run.py MODEL.onnx INPUTS.npz OUTPUTS.npz
Reads the inputs by name, writes every model output by name. Exit status 1
with one line on stderr on any error. Needs numpy and onnxruntime only.
"""
import sys

import numpy as np
import onnxruntime as ort


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: ort_run.py MODEL.onnx INPUTS.npz OUTPUTS.npz\n")
        return 1
    model, inputs, outputs = argv[1:]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    with np.load(inputs) as data:
        feeds = {i.name: data[i.name] for i in session.get_inputs() if i.name in data.files}
    names = [o.name for o in session.get_outputs()]
    results = session.run(names, feeds)
    np.savez(outputs, **dict(zip(names, results)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # one line for the caller
        sys.stderr.write(" ".join(str(e).split()) + "\n")
        sys.exit(1)
