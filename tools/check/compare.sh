#!/usr/bin/env bash
# Compares two folders written by tools/check/runs.sh: every metrics line (times left out), the
# sample files and the eval output must be identical. Prints the differences; exit 1 if any.
set -uo pipefail
A="$1"; B="$2"; status=0
strip() { sed -E 's/"time_s":[0-9.eE+-]+,//' "$1"; }
for m in "$A"/*/metrics.jsonl; do
  run=$(basename "$(dirname "$m")")
  if ! diff <(strip "$m") <(strip "$B/$run/metrics.jsonl") > /dev/null; then
    echo "DIFFERS: $run/metrics.jsonl"; diff <(strip "$m") <(strip "$B/$run/metrics.jsonl") | head -6; status=1
  fi
done
for f in toy-samples.csv img-samples.png; do
  cmp -s "$A/$f" "$B/$f" || { echo "DIFFERS: $f"; status=1; }
done
# The eval's numbers, whatever the columns' widths.
diff -bw "$A/eval.txt" "$B/eval.txt" > /dev/null || { echo "DIFFERS: eval.txt"; diff -bw "$A/eval.txt" "$B/eval.txt"; status=1; }
[ $status -eq 0 ] && echo "same results: $(ls "$A"/*/metrics.jsonl | wc -l) runs, samples and eval"
exit $status
