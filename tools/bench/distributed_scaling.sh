#!/usr/bin/env bash
# The scaling benchmark of issue 18: one generator iteration of WGAN-GP in one process on one
# thread, against two MPI ranks of one thread each splitting the same batch (each computes half of
# its rows), and against two independent one-thread processes of half the batch run side by side —
# what the machine allows two ranks at best (they share caches, memory and clock; no communication).
# Each round runs the three in turn — toy (gan_toy.py's MLPs, DIM 512, batch 512) ROUNDS times,
# images (gan_mnist.py's networks, DIM 64, batch 64) IMAGE_ROUNDS times. Each JSON line is one
# measurement (a median over --iters iterations); the summary gives the medians, the median of the
# rounds' speed-ups of 2 ranks over 1 process, and the same for the side-by-side pair (its slower half).
#
#   tools/bench/distributed_scaling.sh [ROUNDS [IMAGE_ROUNDS]]   (default 5 and 3; needs OpenMPI: apt-get install openmpi-bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
IMAGE_ROUNDS=${2:-3}
dotnet build -c Release src/GanFromScratch.Cli -v q -nologo >/dev/null
GFS="dotnet src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll"
MPIRUN="mpirun --oversubscribe -np 2"
[ "$(id -u)" = 0 ] && MPIRUN="mpirun --allow-run-as-root --oversubscribe -np 2"
LOG=$(mktemp)
bench() { $GFS bench train-step --dataset "$1" --batch-size "$2" --threads 1 --iters "$3" --warmup 2 --json 2>/dev/null; }
run() { # dataset batch iters rounds
  for r in $(seq "$4"); do
    bench "$1" "$2" "$3" | sed "s/^/one $r /" | tee -a "$LOG"
    sleep 1
    bench "$1" $(($2 / 2)) "$3" | sed "s/^/pair $r /" >> "$LOG" &
    bench "$1" $(($2 / 2)) "$3" | sed "s/^/pair $r /" >> "$LOG"
    wait
    sleep 1
    $MPIRUN $GFS bench train-step --dataset "$1" --batch-size "$2" --threads 1 --iters "$3" --warmup 2 --json 2>/dev/null | sed "s/^/two $r /" | tee -a "$LOG"
    sleep 1
  done
}
run toy 512 10 "$ROUNDS"
run fashion-mnist 64 5 "$IMAGE_ROUNDS"
/usr/bin/python3 - "$LOG" <<'PY'
import json, statistics, sys
rows = []
for line in open(sys.argv[1]):
    if "{" not in line: continue
    kind, rnd = line.split()[:2]
    rows.append((kind, int(rnd), json.loads(line[line.index("{"):])))  # a terminal's escape codes may precede a rank's line
for dataset in ("toy", "fashion-mnist"):
    of = lambda kind: [(r, j) for k, r, j in rows if k == kind and j["dataset"] == dataset]
    one = {r: j["ms_per_iter"] for r, j in of("one")}
    two = {r: j["ms_per_iter"] for r, j in of("two")}
    exchange = {r: j["ms_exchange_per_iter"] for r, j in of("two")}
    pair = {}
    for r, j in of("pair"): pair[r] = max(pair.get(r, 0), j["ms_per_iter"])
    if not one or not two: continue
    rounds = sorted(set(one) & set(two) & set(pair))
    print(f"{dataset} ({len(rounds)} rounds): 1 process {statistics.median(one.values()):.1f} ms, 2 ranks {statistics.median(two.values()):.1f} ms "
          f"(averaging gradients {statistics.median(exchange.values()):.1f} ms), 2 independent processes of half the batch {statistics.median(pair.values()):.1f} ms "
          f"per iteration (medians); speed-up of 2 ranks {statistics.median(one[r] / two[r] for r in rounds):.2f}x, "
          f"of the independent pair {statistics.median(one[r] / pair[r] for r in rounds):.2f}x (medians of the rounds' ratios); "
          f"ratio of medians {statistics.median(one.values()) / statistics.median(two.values()):.2f}x")
PY
rm -f "$LOG"
