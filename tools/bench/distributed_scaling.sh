#!/usr/bin/env bash
# The scaling benchmark of issue 18: one generator iteration of WGAN-GP in one process on one
# thread against two MPI ranks of one thread each splitting the same batch (each computes half
# of its rows), alternating the two ROUNDS times — toy (gan_toy.py's MLPs, DIM 512, batch 512)
# and images (gan_mnist.py's networks, DIM 64, batch 64). Each JSON line is one measurement (a
# median over --iters iterations); the summary gives the medians and the speed-up of 2 ranks.
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
run() { # dataset batch iters rounds
  for r in $(seq "$4"); do
    $GFS bench train-step --dataset "$1" --batch-size "$2" --threads 1 --iters "$3" --warmup 2 --json 2>/dev/null | tee -a "$LOG"
    sleep 1
    $MPIRUN $GFS bench train-step --dataset "$1" --batch-size "$2" --threads 1 --iters "$3" --warmup 2 --json 2>/dev/null | tee -a "$LOG"
    sleep 1
  done
}
run toy 512 10 "$ROUNDS"
run fashion-mnist 64 5 "$IMAGE_ROUNDS"
/usr/bin/python3 - "$LOG" <<'PY'
import json, statistics, sys
rows = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if "{" in l]  # a terminal's escape codes may precede a rank's line
for dataset in ("toy", "fashion-mnist"):
    one = [r["ms_per_iter"] for r in rows if r["dataset"] == dataset and "ranks" not in r]
    two = [r["ms_per_iter"] for r in rows if r["dataset"] == dataset and r.get("ranks") == 2]
    if not one or not two: continue
    m1, m2 = statistics.median(one), statistics.median(two)
    exchange = statistics.median(r["ms_exchange_per_iter"] for r in rows if r["dataset"] == dataset and r.get("ranks") == 2)
    print(f"{dataset}: 1 rank {m1:.1f} ms, 2 ranks {m2:.1f} ms per iteration (medians of {len(one)} and {len(two)}; of the 2 ranks' "
          f"{m2:.1f} ms, {exchange:.1f} averaging gradients, waits included); 2 ranks reach {m1 / m2:.2f}x the iterations per second of 1")
PY
rm -f "$LOG"
