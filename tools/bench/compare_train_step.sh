#!/usr/bin/env bash
# One WGAN-GP generator iteration (gan_toy.py's networks, dim 512, batch 256): gfs against
# PyTorch on this machine, alternating the two, ROUNDS times per setting. Each line printed is
# one measurement (a median over --iters iterations); the last lines summarize them (summarize_steps.py).
#
#   tools/bench/compare_train_step.sh [ROUNDS]
#
# Settings: "1 core" pins both to one thread (PyTorch: torch.set_num_threads(1) and
# OPENBLAS_NUM_THREADS=1); "all cores" gives gfs every core and PyTorch its fastest setting here,
# torch.set_num_threads(1) with OpenBLAS on every core (torch's own 2 threads on top of
# OpenBLAS's oversubscribe the cores and are 3-4x slower).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
CORES=$(nproc)
dotnet build -c Release src/GanFromScratch.Cli -v q -nologo >/dev/null
GFS="dotnet src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
for setting in "1" "$CORES"; do
  for r in $(seq "$ROUNDS"); do
    $GFS bench train-step --json --threads "$setting" --iters 15 | tee -a "$LOG"
    sleep 1
    if [ "$setting" = 1 ]; then
      OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/toy_train_step.py --threads 1 --iters 15 | tee -a "$LOG"
    else
      OPENBLAS_NUM_THREADS="$CORES" /usr/bin/python3 tools/bench/toy_train_step.py --threads 1 --iters 15 | tee -a "$LOG"
    fi
    sleep 1
  done
done
/usr/bin/python3 tools/bench/summarize_steps.py "$LOG"
