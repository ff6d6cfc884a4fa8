#!/usr/bin/env bash
# Runs the ONNX backend node conformance test and prints its pass counts by op
# as a Markdown table (the README shows it as printed).
#
# Usage:
#   scripts/node-test-table.sh                 # run the test, then print the table
#   scripts/node-test-table.sh --no-run        # print the table of the last run
#   SCRATCH_PATH=.build-x scripts/node-test-table.sh   # build in another scratch path
#
# The table goes to stdout; the test's own output goes to stderr. A kernel that
# traps kills the test process: the script then records the case named in
# .cache/onnx-node-tests/in-flight.txt as crashed (NODE_CONFORMANCE_CRASHED) and
# runs the test again, so one trap cannot hide the other results.
# Exit status: 0 when a report was printed (failing cases are in the table),
# 1 when the test produced no report.
set -uo pipefail
cd "$(dirname "$0")/.."

cache=.cache/onnx-node-tests
report=$cache/report.json
run=1
if [[ "${1:-}" == "--no-run" ]]; then run=0; fi

if [[ $run == 1 ]]; then
  scratch=()
  if [[ -n "${SCRATCH_PATH:-}" ]]; then scratch=(--scratch-path "$SCRATCH_PATH"); fi
  crashed="${NODE_CONFORMANCE_CRASHED:-}"
  for attempt in $(seq 1 25); do
    rm -f "$report" "$cache/in-flight.txt"
    NODE_CONFORMANCE_CRASHED="$crashed" \
      swift test "${scratch[@]}" --filter ConformanceTests 1>&2
    if [[ -f "$report" ]]; then break; fi
    if [[ ! -f "$cache/in-flight.txt" ]]; then
      echo "error: the conformance test wrote no report (see the output above)" >&2
      exit 1
    fi
    victim=$(cat "$cache/in-flight.txt")
    echo "note: the test process died in $victim; running again with it marked as crashed" >&2
    crashed="${crashed:+$crashed,}$victim"
  done
fi

if [[ ! -f "$report" ]]; then
  echo "error: no report at $report; run without --no-run first" >&2
  exit 1
fi

python3 - "$report" <<'PY'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)


def reasons(op):
    """`2 (training-mode dropout); 1 (string tensors)`, or empty."""
    parts = [f"{n} ({reason})" for reason, n in sorted(op["exclusion_reasons"].items())]
    if op["unexpected_passes"]:
        parts.append(f"**{op['unexpected_passes']} now pass**")
    return "; ".join(parts)


print("| op | cases | passed | failed | excluded (reason) |")
print("| --- | ---: | ---: | ---: | --- |")
for op in report["ops"]:
    name = op["op"] if op["supported"] else f"{op['op']} (expanded only)"
    print(f"| {name} | {op['cases']} | {op['passed']} | {op['failed']} | {reasons(op)} |")
t = report["totals"]
print(f"| **total** | **{t['cases']}** | **{t['passed']}** | **{t['failed']}** | **{t['excluded']}** |")
print()
print(f"ONNX {report['onnx_version']} backend node tests whose every node is a supported op "
      f"(\"expanded only\": an op the workbench lacks, tested through its function body). "
      f"{t['unsupported']} further cases need other ops and "
      f"{t['skipped_at_generation']} use sequence or optional values; neither is run. "
      f"Run time {report['seconds']:.1f} s.")
PY
