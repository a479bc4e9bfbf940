#!/usr/bin/env bash
# Short seeded runs of every variant on toy data and on images, and gfs sample / gfs eval on them,
# written under OUT: what a refactor must leave unchanged. Compare two builds with
#   tools/check/runs.sh OLD.dll /tmp/old && tools/check/runs.sh NEW.dll /tmp/new && tools/check/compare.sh /tmp/old /tmp/new
# The image runs need Fashion-MNIST (dataset-fashion-mnist) and a classifier (gfs train classifier).
set -euo pipefail
GFS="$1"; OUT="$2"; CLASSIFIER="${3:-runs/classifier-fashion-mnist/classifier.safetensors}"
rm -rf "$OUT"; mkdir -p "$OUT"
gfs() { dotnet "$GFS" "$@"; }
toy=(--dim 64 --batch-size 64 --eval-every 20 --threads 2)
gfs train gan --dataset 8gaussians "${toy[@]}" --iters 60 --out "$OUT/gan-8g" > "$OUT/gan-8g.log"
gfs train gan --dataset 8gaussians --g-loss saturating "${toy[@]}" --iters 60 --out "$OUT/gan-sat" > "$OUT/gan-sat.log"
gfs train lsgan --dataset swissroll "${toy[@]}" --iters 60 --out "$OUT/lsgan-roll" > "$OUT/lsgan-roll.log"
gfs train wgan --dataset 25gaussians "${toy[@]}" --iters 60 --out "$OUT/wgan-25g" > "$OUT/wgan-25g.log"
gfs train wgan-gp --dataset 8gaussians "${toy[@]}" --iters 60 --out "$OUT/wgan-gp-8g" > "$OUT/wgan-gp-8g.log"
gfs train wgan-gp --dataset 8gaussians "${toy[@]}" --iters 30 --out "$OUT/wgan-gp-resumed" > "$OUT/wgan-gp-resumed.log"
gfs train wgan-gp --out "$OUT/wgan-gp-resumed" --resume --iters 60 --threads 2 >> "$OUT/wgan-gp-resumed.log"
gfs sample --checkpoint "$OUT/wgan-gp-8g/checkpoint.safetensors" -n 50 --out "$OUT/toy-samples.csv" > /dev/null
img=(--dataset fashion-mnist --iters 4 --eval-every 2 --sample-every 2 --classifier "$CLASSIFIER" --threads 2)
for v in wgan-gp dcgan gan lsgan wgan; do
  gfs train "$v" "${img[@]}" --dim 16 --batch-size 32 --fd-samples 500 --out "$OUT/img-$v" > "$OUT/img-$v.log"
done
gfs train biggan "${img[@]}" --dim 8 --batch-size 20 --fd-samples 500 --out "$OUT/img-biggan" > "$OUT/img-biggan.log"
gfs train wgan-gp "${img[@]}" --fd-samples 10000 --out "$OUT/img-wgan-gp-default" > "$OUT/img-wgan-gp-default.log"
gfs sample --checkpoint "$OUT/img-dcgan/checkpoint.safetensors" -n 16 --out "$OUT/img-samples.png" > /dev/null
gfs eval --checkpoint "$OUT/img-wgan-gp/checkpoint.safetensors" --classifier "$CLASSIFIER" -n 500 | grep -v "s)$" > "$OUT/eval.txt"
echo "wrote $OUT"
