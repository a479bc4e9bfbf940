#!/usr/bin/env bash
# One training iteration of a variant with a PyTorch peer in tools/reference (infogan, bigan, ssgan, biggan), gfs
# against that peer on this machine, alternating the two ROUNDS times per thread setting, at the
# peer's batch (128; ssgan 100, biggan 50) on random 28×28 images. Each line printed is one measurement (a median over
# 5 iterations after 1 warm-up); the last lines summarize them (summarize_steps.py).
#
#   tools/bench/compare_variant_step.sh VARIANT [ROUNDS]
#
# PyTorch runs with OpenBLAS on one thread, as in compare_image_step.sh (its GEMMs go through
# OpenBLAS on the torch threads' behalf; more would oversubscribe the cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
VARIANT=${1:?usage: compare_variant_step.sh infogan|bigan|ssgan|biggan [ROUNDS]}
BATCH=128; [ "$VARIANT" = ssgan ] && BATCH=100; [ "$VARIANT" = biggan ] && BATCH=50
ROUNDS=${2:-3}
CORES=$(nproc)
# GFS=path/to/gfs.dll times a build of your own; by default the working tree is built and timed.
if [ -z "${GFS:-}" ]; then
  dotnet build -c Release src/GanFromScratch.Cli -v q -nologo >/dev/null
  GFS=src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll
fi
GFS="dotnet $GFS"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
for threads in "$CORES" 1; do
  for r in $(seq "$ROUNDS"); do
    $GFS bench train-step --variant "$VARIANT" --dataset fashion-mnist --batch-size "$BATCH" --json --threads "$threads" --iters 5 --warmup 1 2>/dev/null | tee -a "$LOG"
    echo
    sleep 1
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/variant_train_step.py --variant "$VARIANT" --batch "$BATCH" --threads "$threads" --iters 5 --warmup 1 | tee -a "$LOG"
    sleep 1
  done
done
/usr/bin/python3 tools/bench/summarize_steps.py "$LOG"
