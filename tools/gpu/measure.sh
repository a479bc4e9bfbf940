#!/usr/bin/env bash
# Every GPU check and measurement the CUDA backend needs, in one run on a GPU machine (one call
# of a few minutes: a GPU machine is lent for little time, so nothing here waits on a person).
#
#   here:   ../shared/tools/gpu-bundle.sh src/GanFromScratch.Cli/GanFromScratch.Cli.csproj
#   there:  bash tools/gpu/measure.sh "$OUT"          (the checkout, with .gpu/ carried along)
#
# It writes into the folder given (seven files, each command's output appended as it comes):
#   gpu.txt     the GPU, driver, PyTorch, and `gfs devices`
#   check.txt   `gfs devices --check --device cuda:0`: every kernel, then seeded WGAN-GP iterations, against the CPU
#   ptxas.txt   `gfs devices --ptx` and `ptxas -v` of the GEMM kernels (registers, spills)
#   gemm.jsonl  gfs's GEMM kernels (auto, narrow, wide) and cuBLAS (PyTorch, TF32 off), alternating, 3 rounds
#   train.jsonl one toy and one image WGAN-GP iteration, gfs and PyTorch eager, alternating, 3 rounds (kernels_per_iter too)
#   conv.jsonl  gan_mnist.py's convolution layers, gfs and PyTorch
#   log.txt     everything above in order, with times
#
# SMOKE=1 runs the same steps on ILGPU's CPU emulator with tiny sizes and PyTorch on the CPU:
# a rehearsal of the script on a machine without a GPU (only the commands are checked).
set -uo pipefail
out=${1:?usage: measure.sh OUT_DIR}
mkdir -p "$out"
cd "$(dirname "$0")/../.."
log="$out/log.txt"
say() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$log"; }
# run FILE SECONDS COMMAND...: the command's stdout to FILE and the log, its stderr to the log.
run() {
  local file=$1 seconds=$2; shift 2
  say "$*"
  timeout "$seconds" "$@" 2>>"$log" | tee -a "$file" >>"$log"
  local code=${PIPESTATUS[0]}
  [ "$code" = 0 ] || say "exit $code: $*"
}

if [ "${SMOKE:-0}" = 1 ]; then
  gfs=(dotnet src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll)
  device=ilgpu-cpu; check_device=ilgpu-cpu; torch_device=cpu; python=/usr/bin/python3
  gemm_shapes=(64x48x40 40x24x9:nt); torch_shapes=(64x48x40 40x24x9)
  toy=(--dim 16 --iters 2 --warmup 1); image=(--dim 2 --batch-size 4 --iters 1 --warmup 0)
  toy_torch=(--dim 16 --iters 2 --warmup 1); image_torch=(--dim 2 --batch 4 --iters 1 --warmup 0)
  rounds=1; conv=false
else
  mkdir -p /tmp/app && tar xJf .gpu/app.tar.xz -C /tmp/app || { echo "no .gpu/app.tar.xz: run gpu-bundle.sh and carry .gpu" >&2; exit 2; }
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
  gfs=(/tmp/app/gfs)
  device=cuda; check_device=cuda:0; torch_device=cuda; python=python3
  gemm_shapes=(1024x1024x1024 4096x4096x4096 256x512x512:nt); torch_shapes=(1024x1024x1024 4096x4096x4096 256x512x512)
  toy=(--iters 20); image=(--iters 10)
  toy_torch=(--iters 20); image_torch=(--iters 10)
  rounds=3; conv=true
fi
export PYTHONUNBUFFERED=1

say "machine"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  $python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())" 2>&1
  date -u; } | tee -a "$out/gpu.txt" >>"$log"
run "$out/gpu.txt" 120 "${gfs[@]}" devices

run "$out/check.txt" 300 "${gfs[@]}" devices --check --device "$check_device"

run "$out/ptxas.txt" 120 "${gfs[@]}" devices --ptx /tmp/ptx
ptxas=$(command -v ptxas || ls /usr/local/cuda*/bin/ptxas 2>/dev/null | head -n 1)
for k in Gemm GemmWide; do
  if [ -n "$ptxas" ]; then
    say "ptxas -arch=sm_90 -v $k.ptx"
    timeout 60 "$ptxas" -arch=sm_90 -v /tmp/ptx/$k.ptx -o /dev/null 2>&1 | tee -a "$out/ptxas.txt" >>"$log"   # -v reports on stderr
  else say "no ptxas here"; fi
done

for r in $(seq "$rounds"); do
  for kernel in auto narrow wide; do
    run "$out/gemm.jsonl" 180 "${gfs[@]}" bench gemm --device "$device" --kernel "$kernel" --json --rounds 5 --shape "${gemm_shapes[@]}"
  done
  run "$out/gemm.jsonl" 180 $python tools/bench/gemm_torch.py --device "$torch_device" --rounds 5 --shape "${torch_shapes[@]}"
done

for r in $(seq "$rounds"); do
  run "$out/train.jsonl" 180 "${gfs[@]}" bench train-step --device "$device" --json "${toy[@]}"
  run "$out/train.jsonl" 180 $python tools/bench/toy_train_step.py --device "$torch_device" "${toy_torch[@]}"
  run "$out/train.jsonl" 240 "${gfs[@]}" bench train-step --device "$device" --dataset fashion-mnist --json "${image[@]}"
  run "$out/train.jsonl" 240 $python tools/bench/mnist_train_step.py --device "$torch_device" "${image_torch[@]}"
done

if $conv; then
  run "$out/conv.jsonl" 180 "${gfs[@]}" bench conv --device "$device" --json
  run "$out/conv.jsonl" 180 $python tools/bench/conv_torch.py --device "$torch_device"
fi
say "done"
