#!/usr/bin/env bash
# The text benchmark of issue 15, gfs against PyTorch on this machine, alternating the two: one
# WGAN-GP generator iteration of the language model (gan_language.py's networks, DIM 64, batch 64,
# a vocabulary of 103, 10 critic steps) ROUNDS times per thread setting, then the model's 1-D
# convolutions in gfs both ways (height-1 convolution, shifted copies). Each line printed is one
# measurement (a median over --iters iterations); the last lines summarize the iterations (summarize_steps.py).
#
#   tools/bench/compare_text_step.sh [ROUNDS]
#
# PyTorch gets torch.set_num_threads(N) with OpenBLAS on one thread, as in compare_image_step.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
ROUNDS=${1:-3}
CORES=$(nproc)
dotnet build -c Release src/GanFromScratch.Cli -v q -nologo >/dev/null
GFS="dotnet src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll"
for threads in "$CORES" 1; do
  for r in $(seq "$ROUNDS"); do
    $GFS bench train-step --dataset text --json --threads "$threads" --iters 5 --warmup 1 | tee -a "$LOG"
    sleep 1
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/text_train_step.py --threads "$threads" --iters 5 --warmup 1 | tee -a "$LOG"
    sleep 1
  done
  $GFS bench conv --text --json --threads "$threads" --iters 10
done
/usr/bin/python3 tools/bench/summarize_steps.py "$LOG"
