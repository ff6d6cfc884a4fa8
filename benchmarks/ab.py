#!/usr/bin/env python3
"""A/B of two (or more) workbench builds or settings on one plan, interleaved in one run.

Each configuration is its own `workbench bench-server` process (binary, plan and environment of
its own); per round every configuration runs one inference, in alternating order, after an idle
pause (as benchmarks/bench.py does), so load changes on a shared machine hit all of them alike.
Prints per cell the median of each and its ratio to the first configuration.

    python3 benchmarks/ab.py --plan benchmarks/out/encoder-t2.plan \\
        --config old:WB=/tmp/workbench-old --config new: --cells 1x16,1x64,16x256
    python3 benchmarks/ab.py --plan benchmarks/out/encoder-t2.plan \\
        --config avx2:WORKBENCH_ISA=avx2 --config avx512: --cells 1x64,4x16

A configuration is NAME:VAR=value,VAR=value; WB (the binary) and PLAN are taken from its
variables when given, every other variable goes to the server's environment.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runners as R  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", required=True, help="the engine plan every configuration loads (unless PLAN=)")
    ap.add_argument("--workbench", default=os.path.join(ROOT, ".build", "release", "workbench"))
    ap.add_argument("--config", action="append", required=True, help="NAME:VAR=value,... (repeatable)")
    ap.add_argument("--cells", default="1x16,1x64,4x16", help="BxT list")
    ap.add_argument("--model", default="encoder", help="data file prefix: encoder or bert")
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "hackathon", "out", "data"))
    ap.add_argument("--rounds", type=int, default=30, help="rounds per cell (a quarter for cells of ≥ 4096 frames)")
    ap.add_argument("--settle-ms", type=float, default=50, help="idle pause before each timed run")
    args = ap.parse_args()

    servers = {}
    for spec in args.config:
        name, _, assignments = spec.partition(":")
        env = dict(os.environ)
        for kv in filter(None, assignments.split(",")):
            key, _, value = kv.partition("=")
            env[key] = value
        binary, plan = env.pop("WB", args.workbench), env.pop("PLAN", args.plan)
        servers[name] = R.WorkbenchRunner(binary, plan, env=env)
    try:
        first = next(iter(servers))
        for cell in args.cells.split(","):
            b, t = (int(v) for v in cell.split("x"))
            npz = os.path.join(args.data_dir, f"{args.model}-{b}-{t}.npz")
            for r in servers.values():
                r.run({}, 3, npz=npz, save=False)
            times = {name: [] for name in servers}
            rounds = args.rounds if b * t < 4096 else max(5, args.rounds // 4)
            for i in range(rounds):
                order = list(servers.items()) if i % 2 == 0 else list(reversed(servers.items()))
                for name, r in order:
                    time.sleep(args.settle_ms / 1000)
                    times[name] += r.run({}, 1, npz=npz, save=False)
            base = float(np.median(times[first]))
            print(f"{cell:>8}  " + "  ".join(f"{n} {np.median(v):8.2f} ms ({np.median(v) / base:.3f})"
                                             for n, v in times.items()), flush=True)
    finally:
        for r in servers.values():
            r.close()


if __name__ == "__main__":
    main()
