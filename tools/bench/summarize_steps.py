#!/usr/bin/env python3
"""Summarizes the iteration lines of the compare_*_step.sh scripts (JSON, read from a file or stdin).

Each gfs iteration line ({"threads": N, "ms_per_iter": ...}, no "peer") is paired with the PyTorch line
that follows it (the scripts alternate the two); lines of other benchmarks are skipped. For each thread
setting it prints the medians, gfs's speed over PyTorch's (the ratio of the medians) and the range and
median of the rounds' own ratios: how much the machine moved during the run.
"""
import json
import statistics
import sys


def main():
    source = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    rounds = {}  # threads -> [(gfs ms, peer ms)]
    waiting = None
    for line in source:
        line = line.strip()
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if "ms_per_iter" not in row or "layer" in row:
            continue
        if "peer" not in row:
            waiting = row
        elif waiting is not None:
            rounds.setdefault(waiting["threads"], []).append((waiting["ms_per_iter"], row["ms_per_iter"]))
            waiting = None
    if not rounds:
        sys.exit("no pairs of gfs and PyTorch iteration lines found")
    for threads, pairs in sorted(rounds.items(), reverse=True):
        gfs = statistics.median(g for g, _ in pairs)
        peer = statistics.median(p for _, p in pairs)
        ratios = [p / g for g, p in pairs]
        print(f"{threads} thread(s), {len(pairs)} rounds: gfs {gfs:.1f} ms, PyTorch {peer:.1f} ms per iteration (medians); "
              f"gfs's speed {peer / gfs:.2f}x PyTorch's (rounds {min(ratios):.2f}-{max(ratios):.2f}, their median {statistics.median(ratios):.2f})")


if __name__ == "__main__":
    main()
