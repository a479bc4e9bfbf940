#!/usr/bin/env bash
# gan_mnist.py's six convolution layers, gfs against PyTorch, alternating the two ROUNDS times per
# thread setting (each measurement a median of --iters calls), then the medians of the rounds and
# their ratio per layer and pass:
#
#   tools/bench/compare_conv.sh [ROUNDS] [THREADS...]      (default: 5 rounds, 1 thread and every core)
#
# PyTorch gets torch.set_num_threads(N) with OpenBLAS on one thread, as in compare_image_step.sh
# (its convolutions run in oneDNN on the torch threads).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}; shift || true
SETTINGS=${*:-"1 $(nproc)"}
dotnet build -c Release src/GanFromScratch.Cli -v q -nologo >/dev/null
GFS="dotnet src/GanFromScratch.Cli/bin/Release/net10.0/gfs.dll"
LOG=$(mktemp)
for threads in $SETTINGS; do
  for r in $(seq "$ROUNDS"); do
    $GFS bench conv --json --threads "$threads" --iters 10 | sed 's/^/gfs /' >> "$LOG"
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/conv_torch.py --threads "$threads" --iters 10 | sed 's/^/pytorch /' >> "$LOG"
  done
done
/usr/bin/python3 - "$LOG" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    who, _, text = line.partition(' ')
    if not text.startswith('{'): continue
    d = json.loads(text)
    for p in ('forward_ms', 'backward_ms'):
        runs.setdefault((d['threads'], d['layer'], p), {}).setdefault(who, []).append(d[p])
print(f"{'threads':>7} {'layer':<18} {'pass':<8} {'gfs ms':>8} {'PyTorch ms':>10} {'PyTorch/gfs':>11}   (medians of the rounds; pass fwd+bwd = forward + input and weight gradients)")
for (t, layer, p), v in sorted(runs.items()):
    g, q = statistics.median(v['gfs']), statistics.median(v['pytorch'])
    print(f"{t:>7} {layer:<18} {('fwd' if p == 'forward_ms' else 'fwd+bwd'):<8} {g:>8.2f} {q:>10.2f} {q / g:>10.2f}x")
EOF
rm -f "$LOG"
