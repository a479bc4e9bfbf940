#!/usr/bin/env bash
# The image benchmarks of issue 5, gfs against PyTorch on this machine, alternating the two:
# one WGAN-GP generator iteration of gan_mnist.py (DIM 64, batch 50) ROUNDS times per thread
# setting, then gan_mnist.py's six convolution layers once per setting. Each line printed is one
# measurement (a median over --iters iterations); the last lines summarize the iterations (summarize_steps.py).
#
#   tools/bench/compare_image_step.sh [ROUNDS]
#
# PyTorch gets torch.set_num_threads(N) with OpenBLAS on one thread: its fastest setting here for
# this step (its convolutions run in oneDNN on the torch threads; with OpenBLAS on every core as
# well the cores are oversubscribed: 2.0 s instead of 1.1 s on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
CORES=$(nproc)
dotnet build -c Release src/GanFromScratch.Cli -v q -nologo >/dev/null
GFS="dotnet src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
for threads in "$CORES" 1; do
  for r in $(seq "$ROUNDS"); do
    $GFS bench train-step --dataset fashion-mnist --json --threads "$threads" --iters 5 --warmup 1 | tee -a "$LOG"
    sleep 1
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/mnist_train_step.py --threads "$threads" --iters 5 --warmup 1 | tee -a "$LOG"
    sleep 1
  done
  $GFS bench conv --json --threads "$threads" --iters 10
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/conv_torch.py --threads "$threads" --iters 10
done
/usr/bin/python3 tools/bench/summarize_steps.py "$LOG"
