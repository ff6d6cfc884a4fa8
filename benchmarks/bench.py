#!/usr/bin/env python3
"""The workbench against its peers on the same CPU, interleaved.

For each model (the hackathon's WeNet Conformer encoder, the BERT-family
encoder) and each cell of its matrix, runs the workbench engine, ONNX Runtime
CPU, ONNX Runtime after its transformers optimizer and OpenVINO CPU (latency
hint, f32), all at the same thread count. Per cell every runner is warmed up,
then ``--iterations`` rounds run one timed inference of each runner in turn,
so drift (other processes, frequency) hits all alike; the latency is the
median. Accuracy (a0, r0 and Good/Bad, the hackathon's check) is taken
against the reference outputs in the data files.

Writes benchmarks/results/<model>.json, <model>.png and README-table.md (and
the README between its bench-table markers). ``bash benchmarks/run.sh`` is the
one command; it installs what is needed and builds first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from flops import FlopCounter  # noqa: E402
import report  # noqa: E402
import runners as R  # noqa: E402

MODELS = {
    "encoder": dict(file="encoder.onnx", data="encoder", heads=4, hidden=256,
                    cells=[(b, t) for b in (1, 4, 16) for t in (16, 64, 256)] + [(1, 1024)],
                    quick=[(1, 16), (4, 64), (16, 256)], axis="frames",
                    shapes=lambda b, t: f"speech:{b}x{t}x80,speech_lengths:{b}"),
    "bert": dict(file="bert-minilm.onnx", data="bert", heads=12, hidden=384,
                 cells=[(b, s) for b in (1, 4, 16) for s in (16, 64, 256)] + [(1, 512)],
                 quick=[(1, 16), (4, 64), (16, 256)], axis="sequence",
                 shapes=lambda b, s: f"input_ids:{b}x{s},attention_mask:{b}x{s},token_type_ids:{b}x{s}"),
}
#: The hackathon's check: output 0 max |diff| < 3.5e-2 and median relative < 2e-3 (ε 5e-5); output 1 r < 1e-1 (ε 1e-5).
EPSILON = (5e-5, 1e-5)
LIMITS = dict(a0=3.5e-2, r0=2e-3, r1=1e-1)


def log(msg: str):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def accuracy(outputs, references) -> dict:
    """a0, r0 (and r1) of outputs against references, and Good/Bad."""
    out = {}
    for k, (o, ref) in enumerate(zip(outputs, references)):
        if k > 1:
            break
        o, ref = np.asarray(o, np.float64), np.asarray(ref, np.float64)
        if o.shape != ref.shape:
            if o.size == ref.size:
                o = o.reshape(ref.shape)
            else:
                out[f"a{k}"], out[f"r{k}"] = float("nan"), float("nan")
                continue
        d = np.abs(o - ref)
        out[f"a{k}"] = float(d.max()) if d.size else 0.0
        out[f"r{k}"] = float(np.median(d / (np.abs(ref) + EPSILON[k]))) if d.size else 0.0
    good = out.get("a0", 1) < LIMITS["a0"] and out.get("r0", 1) < LIMITS["r0"]
    if "r1" in out:
        good = good and out["r1"] < LIMITS["r1"]
    out["good"] = bool(good)
    return out


def build_engine(args, model: str, spec: dict, onnx_path: str) -> str:
    """Builds (or reuses) the model's engine at --threads with two profiles as in hackathon/run.sh."""
    plan = os.path.join(args.work, f"{model}-t{args.threads}.plan")
    cache = os.path.join(args.work, f"{model}-t{args.threads}.timing.cache")
    fresh = os.path.exists(plan) and all(os.path.getmtime(plan) > os.path.getmtime(p)
                                         for p in (onnx_path, args.workbench))
    if fresh and not args.rebuild:
        log(f"reusing {plan}")
        return plan
    big = max(c[1] for c in spec["cells"])
    s = spec["shapes"]
    cmd = [args.workbench, "build", "--onnx", onnx_path,
           "--minShapes", s(1, 16), "--optShapes", s(4, 64), "--maxShapes", s(16, big),
           "--minShapes", s(1, 16), "--optShapes", s(1, 32), "--maxShapes", s(16, 64),
           "--threads", str(args.threads), "--timingCacheFile", cache, "--saveEngine", plan]
    log("building engine: " + " ".join(cmd))
    start = time.time()
    subprocess.run(cmd, check=True)
    log(f"engine built in {time.time() - start:.0f} s")
    return plan


def make_runners(args, model: str, spec: dict, onnx_path: str, plan: str, info: dict) -> list:
    """The runners that start; a failure is recorded in ``info`` and that runner left out."""
    made = []
    wanted = args.runners.split(",")

    def attempt(name, make):
        if name not in wanted:
            return
        try:
            made.append(make())
        except Exception as e:  # noqa: BLE001 - a peer that cannot run is a result, not a crash
            info.setdefault("failed", {})[name] = f"{type(e).__name__}: {e}"
            log(f"{name} not run: {e}")

    attempt("workbench", lambda: R.WorkbenchRunner(args.workbench, plan))
    attempt("ort", lambda: R.OrtRunner(onnx_path, args.threads))

    def ort_opt():
        out = os.path.join(args.work, f"{model}-ort-optimized.onnx")
        info["ortOptimizerFused"] = R.ort_transformers_optimize(onnx_path, out, spec["heads"], spec["hidden"])
        log(f"ORT transformers optimizer fused: {info['ortOptimizerFused']}")
        return R.OrtRunner(out, args.threads, label="ORT + transformers opt", name="ort-opt")
    attempt("ort-opt", ort_opt)

    def openvino():
        r = R.OpenVINORunner(onnx_path, args.threads)
        info["openvinoPrecision"] = r.precision
        info["openvinoVersion"] = str(r.version)
        return r
    attempt("openvino", openvino)
    return made


def time_cell(args, runners: list, npz: str, outputs: list[str]) -> dict:
    """Warm-up, then interleaved rounds; per runner the median, all times and accuracy."""
    with np.load(npz) as z:
        feeds = {k: z[k] for k in z.files if k not in outputs}
        references = [z[k] for k in outputs if k in z.files]
    times = {r.name: [] for r in runners}
    for r in runners:
        if isinstance(r, R.WorkbenchRunner):
            r.run(feeds, args.warmup, npz=npz, save=False)
        else:
            r.run(feeds, args.warmup)
    for i in range(args.iterations):
        order = runners if i % 2 == 0 else runners[::-1]
        for r in order:
            # Every timed run starts on an idle machine: the previous runner's threads
            # (ONNX Runtime's and OpenVINO's spin after a run, as does the workbench's pool)
            # get time to park instead of competing with the next runner for the cores.
            time.sleep(args.settle_ms / 1000)
            last = i == args.iterations - 1
            if isinstance(r, R.WorkbenchRunner):
                times[r.name] += r.run(feeds, 1, npz=npz, save=last)
            else:
                times[r.name] += r.run(feeds, 1)
    result = {}
    for r in runners:
        result[r.name] = dict(medianMs=float(np.median(times[r.name])), timesMs=times[r.name],
                              **accuracy(r.outputs, references))
    return result


def peak_memory(args, plan: str, onnx_path: str, npz: str) -> dict:
    """Peak resident memory of a fresh workbench engine process and of a fresh ONNX Runtime
    process on one cell. Each reports its own VmHWM (/proc/self/status), which starts anew at
    exec; ru_maxrss from wait4 would include the forking benchmark's own size."""
    server = R.WorkbenchRunner(args.workbench, plan)
    try:
        server.run({}, 2, npz=npz, save=False)
        wb = server.max_resident_bytes
    finally:
        server.close()
    ort_script = ("import sys, numpy as np, onnxruntime as ort\n"
                  "o = ort.SessionOptions(); o.intra_op_num_threads = int(sys.argv[3])\n"
                  "s = ort.InferenceSession(sys.argv[1], o, providers=['CPUExecutionProvider'])\n"
                  "z = np.load(sys.argv[2]); names = [i.name for i in s.get_inputs()]\n"
                  "for _ in range(2): s.run(None, {n: z[n] for n in names})\n"
                  "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
                  "print(int(hwm.split()[1]) * 1024)\n")
    out = subprocess.run([sys.executable, "-c", ort_script, onnx_path, npz, str(args.threads)],
                         check=True, capture_output=True, text=True).stdout
    return dict(cell=os.path.basename(npz), workbenchBytes=wb, ortBytes=int(out.split()[-1]))


def roof(args) -> dict:
    """The sgemm roof with the BLAS the engine links (`workbench blas`)."""
    out = subprocess.run([args.workbench, "blas", "--sgemm", "4096", "--encoderShapes", "--threads",
                          str(args.threads), "--iterations", "3", "--json"],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    data["roofGflops"] = max(r.get("bestGflops", r["gflops"]) for r in data["results"])
    return data


def machine(args) -> dict:
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), cpu=cpu, threads=args.threads,
                cores=os.cpu_count(), iterations=args.iterations, warmUp=args.warmup,
                openblasCoretypeEnv=os.environ.get("OPENBLAS_CORETYPE"), loadAverageStart=os.getloadavg()[0])


def bench_model(args, model: str, blas: dict, env: dict) -> dict:
    spec = MODELS[model]
    onnx_path = os.path.join(args.models_dir, spec["file"])
    data_dir = args.data_dir or os.path.join(args.models_dir, "data")
    cells = spec["quick"] if args.quick else spec["cells"]
    if args.cells:
        cells = [tuple(int(v) for v in c.split("x")) for c in args.cells.split(",")]
    cells = [c for c in cells if os.path.exists(os.path.join(data_dir, f"{spec['data']}-{c[0]}-{c[1]}.npz"))]
    if not cells:
        raise SystemExit(f"no data files {spec['data']}-B-T.npz in {data_dir}")
    plan = build_engine(args, model, spec, onnx_path)
    info: dict = {}
    runners = make_runners(args, model, spec, onnx_path, plan, info)
    wb = next((r for r in runners if isinstance(r, R.WorkbenchRunner)), None)
    outputs = wb.output_names if wb else [o.name for o in __import__("onnx").load(onnx_path, load_external_data=False).graph.output]
    counter = FlopCounter(onnx_path)
    rows = []
    try:
        for b, t in cells:
            npz = os.path.join(data_dir, f"{spec['data']}-{b}-{t}.npz")
            with np.load(npz) as z:
                flops = counter.count({k: z[k] for k in z.files})["total"]
            log(f"{model} {b}x{t}: {flops / 1e9:.2f} GFLOP")
            res = time_cell(args, runners, npz, outputs)
            rows.append(dict(batch=b, length=t, flops=flops, runners=res))
            log("  " + ", ".join(f"{k} {v['medianMs']:.2f} ms{'' if v['good'] else ' (Bad)'}" for k, v in res.items()))
    finally:
        for r in runners:
            r.close()
    del counter
    result = dict(model=model, onnx=onnx_path, plan=plan, axis=spec["axis"], machine=env, blas=blas,
                  blasCoreEngine=wb.blas_core if wb else None, kernelISA=wb.kernel_isa if wb else None,
                  threadPinning=wb.thread_pinning if wb else None,
                  runnerLabels={r.name: r.label for r in runners},
                  **info, cells=rows)
    if wb and "ort" in args.runners and not args.no_memory:
        largest = max(cells, key=lambda c: c[0] * c[1])
        npz = os.path.join(data_dir, f"{spec['data']}-{largest[0]}-{largest[1]}.npz")
        log(f"peak memory at {largest[0]}x{largest[1]}")
        result["memory"] = peak_memory(args, plan, onnx_path, npz)
    report.summarize(result)
    return result


def write(args, res: dict):
    """Summarizes one model's results and writes its JSON and PNG."""
    report.summarize(res)
    with open(os.path.join(args.results, f"{res['model']}.json"), "w") as f:
        json.dump(res, f, indent=1)
    report.plot(res, os.path.join(args.results, f"{res['model']}.png"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="encoder,bert", help="comma list of: " + ",".join(MODELS))
    ap.add_argument("--models-dir", default=os.environ.get("WORKBENCH_BENCH_MODELS", os.path.join(ROOT, "hackathon", "out")),
                    help="where encoder.onnx, bert-minilm.onnx and data/ are (env WORKBENCH_BENCH_MODELS)")
    ap.add_argument("--data-dir", help="reference data (default <models-dir>/data)")
    ap.add_argument("--workbench", required=True, help="the release workbench binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=10, help="timed rounds per cell (median)")
    ap.add_argument("--settle-ms", type=float, default=50,
                    help="idle pause before each timed run, so the previous runner's spinning threads park")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="three cells per model")
    ap.add_argument("--cells", help="BxT list, e.g. 1x16,4x64 (overrides the matrix and --quick)")
    ap.add_argument("--runners", default="workbench,ort,ort-opt,openvino")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the engines even if up to date")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory comparison")
    ap.add_argument("--work", default=os.path.join(HERE, "out"), help="engines and optimized models")
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    args = ap.parse_args()
    if args.iterations < 10:
        log(f"note: --iterations {args.iterations} < 10")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    env = machine(args)
    blas = roof(args)
    log(f"OpenBLAS core {blas['blasCore']} ({blas['coreTypeRequest']}); workbench kernels "
        f"{blas.get('kernelISA')}; sgemm roof {blas['roofGflops']:.1f} GFLOP/s "
        f"at {args.threads} threads")
    results = []
    for model in args.models.split(","):
        if model not in MODELS:
            raise SystemExit(f"unknown model '{model}' (known: {', '.join(MODELS)})")
        results.append(bench_model(args, model, blas, env))
        write(args, results[-1])  # now, in case a later model fails; rewritten below
        tables(args, results)
    # The roof again at the end (other load may have come or gone): the better of the two counts.
    again = roof(args)
    if again["roofGflops"] > blas["roofGflops"]:
        blas.clear()
        blas.update(again)
    log(f"sgemm roof {blas['roofGflops']:.1f} GFLOP/s")
    env["loadAverageEnd"] = os.getloadavg()[0]
    for res in results:
        write(args, res)
        print(report.markdown(res))
    tables(args, results)
    log(f"wrote {args.results}/README-table.md and the README's table")


def tables(args, results: list[dict]):
    """README-table.md and the README's generated section, from the models done so far
    (models not run this time keep their last results from the results directory)."""
    done = {r["model"] for r in results}
    results = list(results)
    for model in MODELS:
        path = os.path.join(args.results, f"{model}.json")
        if model not in done and os.path.exists(path):
            with open(path) as f:
                results.append(json.load(f))
    table = report.readme_table(results, args.results, os.path.dirname(os.path.abspath(args.readme)))
    with open(os.path.join(args.results, "README-table.md"), "w") as f:
        f.write(table)
    report.update_readme(args.readme, table)


if __name__ == "__main__":
    main()
