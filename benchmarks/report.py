"""Tables and plots of benchmark results (see bench.py): per-cell ratios,
achieved GFLOP/s, fraction of the sgemm roof, the markdown table the README
includes, and the latency-vs-length PNG.

    python3 benchmarks/report.py benchmarks/results/encoder.json   # re-render from JSON
"""

from __future__ import annotations

import json
import math
import os
import re
import sys

PEERS = ("ort", "ort-opt", "openvino")
BEGIN, END = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"


def summarize(res: dict):
    """Adds per-cell ratio / GFLOP/s / roof fraction and the geometric mean of the ratios."""
    roof = res["blas"]["roofGflops"]
    ratios = []
    for cell in res["cells"]:
        runners = cell["runners"]
        # The best fp32 peer that passes the accuracy check.
        peers = {k: v for k, v in runners.items() if k in PEERS and v.get("good")}
        best = min(peers.items(), key=lambda kv: kv[1]["medianMs"]) if peers else None
        wb = runners.get("workbench")
        cell["bestPeer"] = best[0] if best else None
        if wb:
            gflops = cell["flops"] / (wb["medianMs"] / 1e3) / 1e9
            cell["workbenchGflops"] = gflops
            cell["roofFraction"] = gflops / roof if roof else None
            if best:
                cell["ratio"] = wb["medianMs"] / best[1]["medianMs"]
                ratios.append(cell["ratio"])
        if best:
            cell["bestPeerGflops"] = cell["flops"] / (best[1]["medianMs"] / 1e3) / 1e9
    res["geomeanRatio"] = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None
    res["allGood"] = all(c["runners"].get("workbench", {}).get("good", False) for c in res["cells"])


def _ms(v):
    return "-" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def _acc(v):
    return f"{v.get('a0', float('nan')):.1e} / {v.get('r0', float('nan')):.1e} {'Good' if v.get('good') else 'Bad'}"


def markdown(res: dict) -> str:
    """One model's tables: latency, ratio, GFLOP/s, roof fraction; then accuracy."""
    names = list(res["runnerLabels"])
    labels = res["runnerLabels"]
    axis = res.get("axis", "length")
    head = f"| batch × {axis} | GFLOP | " + " | ".join(f"{labels[n]} ms" for n in names)
    head += " | ratio to best peer | workbench GFLOP/s | % of roof | best peer GFLOP/s |"
    lines = [head, "| --- | ---: |" + " ---: |" * len(names) + " ---: | ---: | ---: | ---: |"]
    for c in res["cells"]:
        row = f"| {c['batch']} × {c['length']} | {c['flops'] / 1e9:.2f} | "
        row += " | ".join(_ms(c["runners"].get(n, {}).get("medianMs")) for n in names)
        ratio = c.get("ratio")
        row += f" | {'-' if ratio is None else f'{ratio:.2f}'}"
        row += f" | {c.get('workbenchGflops', 0):.1f} | {100 * (c.get('roofFraction') or 0):.0f}%"
        row += f" | {c.get('bestPeerGflops', 0):.1f} |"
        lines.append(row)
    g = res.get("geomeanRatio")
    lines.append("")
    lines.append(f"Geometric mean of the workbench's ratio to the best Good fp32 peer: "
                 f"**{'-' if g is None else f'{g:.2f}'}** (below 1 is faster); workbench accuracy "
                 f"{'Good in every cell' if res.get('allGood') else 'Bad in some cells'}.")
    lines += ["", "Accuracy against the reference data (a0 = max |diff|, r0 = median relative diff, ε 5e-5; "
              "Good: a0 < 3.5e-2 and r0 < 2e-3):", "",
              f"| batch × {axis} | " + " | ".join(labels[n] for n in names) + " |",
              "| --- |" + " --- |" * len(names)]
    for c in res["cells"]:
        lines.append(f"| {c['batch']} × {c['length']} | "
                     + " | ".join(_acc(c["runners"][n]) if n in c["runners"] else "-" for n in names) + " |")
    notes = []
    if res.get("ortOptimizerFused") is not None:
        notes.append(f"ORT transformers optimizer (model_type bert) fused: "
                     f"{', '.join(f'{k} {v}' for k, v in res['ortOptimizerFused'].items()) or 'nothing'}.")
    for name, why in res.get("failed", {}).items():
        notes.append(f"{name} did not run: {why[:300]}")
    if res.get("openvinoPrecision"):
        precision = re.sub(r"<Type: '(\w+)'>", r"\1", res["openvinoPrecision"])
        notes.append(f"OpenVINO {res.get('openvinoVersion', '')} inference precision: {precision}.")
    mem = res.get("memory")
    if mem:
        notes.append(f"Peak resident memory at {mem['cell']} (fresh processes, VmHWM): workbench "
                     f"{mem['workbenchBytes'] / 2**20:.0f} MiB, ONNX Runtime (python process) "
                     f"{mem['ortBytes'] / 2**20:.0f} MiB.")
    notes.append("The reference data are ONNX Runtime's outputs (default session, 2 threads), so ORT's own a0/r0 are about 0.")
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def header(res: dict) -> str:
    m, b = res["machine"], res["blas"]
    shapes = ", ".join(f"{r['shape']['m']}×{r['shape']['n']}×{r['shape']['k']} {r['gflops']:.0f}" for r in b["results"])
    return (f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores), {m['threads']} threads, "
            f"median of {m['iterations']} interleaved rounds after {m['warmUp']} warm-up runs"
            f"{_load(m)}. "
            f"OpenBLAS core: **{res.get('blasCoreEngine') or b['blasCore']}** ({b['coreTypeRequest']}; "
            f"OPENBLAS_CORETYPE in the environment: {m.get('openblasCoretypeEnv') or 'unset'}); "
            f"the workbench's own kernels: **{res.get('kernelISA') or b.get('kernelISA') or 'not reported'}**"
            f"{_pinning(res)}. "
            f"sgemm roof (`workbench blas`, GFLOP/s): **{b['roofGflops']:.0f}**; {shapes}.")


def _pinning(res: dict) -> str:
    """Whether the workbench pinned its threads to CPUs (absent in results of older builds)."""
    pinned = res.get("threadPinning")
    return "" if pinned is None else f", threads {'pinned to CPUs' if pinned else 'not pinned'}"


def _load(m: dict) -> str:
    """The 1-minute load average around the run (other processes sharing the cores)."""
    if m.get("loadAverageStart") is None:
        return ""
    end = m.get("loadAverageEnd")
    return f"; load average {m['loadAverageStart']:.1f}" + (f" at the start, {end:.1f} at the end" if end is not None else "")


def readme_table(results: list[dict], results_dir: str, root: str) -> str:
    """The generated section the README includes: one header, one block per model."""
    titles = {"encoder": "WeNet Conformer encoder (hackathon, 12 blocks, 34.75M params)",
              "bert": "BERT-family encoder (MiniLM-L6 shapes)"}
    parts = ["<!-- generated by benchmarks/bench.py; do not edit by hand -->", ""]
    for res in results:
        parts += [f"#### {titles.get(res['model'], res['model'])}", "", header(res), "", markdown(res),
                  f"![{res['model']} latency]({os.path.relpath(os.path.join(results_dir, res['model'] + '.png'), root)})", ""]
    return "\n".join(parts)


def update_readme(readme: str, table: str):
    """Replaces the text between the bench-table markers (if the README has them)."""
    if not os.path.exists(readme):
        return
    text = open(readme).read()
    if BEGIN not in text or END not in text:
        return
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{table}\n{END}", text, flags=re.S)
    with open(readme, "w") as f:
        f.write(new)


def plot(res: dict, path: str):
    """Latency vs length, one panel per batch size, one line per runner (log scales)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    batches = sorted({c["batch"] for c in res["cells"]})
    fig, axes = plt.subplots(1, len(batches), figsize=(4.5 * len(batches), 4), squeeze=False)
    for ax, b in zip(axes[0], batches):
        cells = sorted((c for c in res["cells"] if c["batch"] == b), key=lambda c: c["length"])
        for name, label in res["runnerLabels"].items():
            pts = [(c["length"], c["runners"][name]["medianMs"]) for c in cells if name in c["runners"]]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=label)
        ax.set_xscale("log", base=2)
        lengths = [c["length"] for c in cells]
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.set_yscale("log")
        ax.set_title(f"{res['model']}, batch {b}")
        ax.set_xlabel(res.get("axis", "length"))
        ax.set_ylabel("median latency (ms)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{res['machine']['cpu']}, {res['machine']['threads']} threads, {res['machine']['date']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        r = json.load(open(p))
        summarize(r)
        print(markdown(r))
