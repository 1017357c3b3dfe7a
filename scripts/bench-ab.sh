#!/usr/bin/env bash
# A/B benchmark (not a test): runs one benchmark of scripts/bench.sh from two checkouts in turn
# (A B A B ...), so both see the same machine in the same hour, and prints each run's table.
#   scripts/bench-ab.sh OLD_CHECKOUT ROUNDS drain|e2e [benchmark args...]
# Environment such as BENCH_DRAIN_BATCHES=1000 (see DrainBenchmark) reaches both sides.
# OLD_CHECKOUT is another working tree of this repository (e.g. `git worktree add /tmp/old <commit>`);
# both are built first. Medians per configuration line are printed at the end, with new/old ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
old="$(cd "$1" && pwd)"; rounds="$2"; what="$3"; shift 3
new="$(pwd)"
for tree in "$old" "$new"; do
  (cd "$tree" && mvn -B -q -ntp -DskipTests package test-compile >&2)
done
out="$(mktemp -d)"
for ((i = 1; i <= rounds; i++)); do
  for side in old new; do
    tree="$old"; [ "$side" = new ] && tree="$new"
    echo "== round $i: $side ($tree)" >&2
    (cd "$tree" && BENCH_NO_BUILD=1 scripts/bench.sh "$what" "$@") | tee "$out/$side.$i" >&2
  done
done
python3 - "$out" "$rounds" "$what" <<'PY'
import sys, os, re, statistics
out, rounds, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rows(side):
    """measurement label -> its value in each round, from the benchmark's result lines."""
    table = {}
    for i in range(1, rounds + 1):
        for line in open(os.path.join(out, f"{side}.{i}")):
            v = line.split()
            if not v or not all(re.match(r"^[\d.]+$", x) for x in v):
                continue
            v = [float(x) for x in v]
            if what == "drain":      # max batch rows, senders, rows/s, seconds, agent cpu s, every run...
                table.setdefault(f"drain rows/s, batch {v[0]:.0f}", []).append(v[2])
                table.setdefault(f"agent cpu s, batch {v[0]:.0f}", []).append(v[4])
            elif what == "e2e":      # put rows/s, delivered rows/s, max backlog, trail
                table.setdefault("e2e put rows/s", []).append(v[0])
                table.setdefault("e2e delivered rows/s", []).append(v[1])
    return table
o, n = rows("old"), rows("new")
print(f"{'configuration':<32} {'old (median)':>14} {'new (median)':>14} {'new/old':>8}")
for label in o:
    if label in n:
        a, b = statistics.median(o[label]), statistics.median(n[label])
        fmt = ",.2f" if "cpu" in label else ",.0f"
        print(f"{label:<32} {a:>14{fmt}} {b:>14{fmt}} {b / a if a else float('nan'):>8.2f}")
PY
