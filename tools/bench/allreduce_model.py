#!/usr/bin/env python3
"""The paper model of data-parallel WGAN-GP in gfs (issue 18): bytes all-reduced per iteration per
network, compute per rank, and the expected efficiency at 2, 8 and 64 ranks on common interconnects.

gfs averages each network's gradients in one fused all-reduce after every backward pass and before
its optimizer step, without overlapping it with the backward pass; so an iteration of WGAN-GP
(5 critic steps, 1 generator step) on N ranks takes

    t(N) = t_compute(B/N rows) + 5 * t_allreduce(critic) + 1 * t_allreduce(generator)

and an all-reduce of S bytes by reduce-scatter and all-gather (Rabenseifner's algorithm, which MPI
libraries use for large messages; NCCL's rings have the same bandwidth term) takes
2(N-1)/N * S / bandwidth + 2 log2(N) * latency. Efficiency is t_compute / t(N) with the per-rank
batch held fixed (weak scaling: B grows with N). The model has no jitter: on a shared machine each
of the 6 all-reduces also waits for the slowest rank, which measurements show (docs/benchmarks.md).

    /usr/bin/python3 tools/bench/allreduce_model.py
"""
import math

# Parameters with gradients (counted in gfs checkpoints, 2026-12-04): toy = gan_toy.py's MLPs at
# DIM 512, image = gan_mnist.py's networks at DIM 64.
NETWORKS = {
    "toy": {"generator": 527_874, "critic": 527_361},
    "image": {"generator": 1_554_177, "critic": 1_030_145},
}
CRITIC_STEPS = 5

# Compute per rank and iteration (seconds). CPU: measured here on one core (Xeon @ 2.8 GHz) with
# gfs bench train-step --threads 1, toy batch 256 and image batch 32 per rank. GPU: assumed, not
# measured (no GPU was at hand): an eager-mode iteration bound by kernel launches.
COMPUTE = {
    ("toy", "cpu core"): 0.210,
    ("image", "cpu core"): 1.55,
    ("toy", "gpu"): 0.005,
    ("image", "gpu"): 0.015,
}

# (name, bandwidth in bytes/s, latency in seconds, what computes): typical figures, not measured here
# except the first (gfs distributed: 4 MiB in 0.89 ms on this machine's 2 ranks).
# The last field: the most ranks such a link joins (NVLink: the 8 GPUs of one node).
LINKS = [
    ("shared memory, one machine (4.7 GB/s measured here)", 4.7e9, 1e-6, "cpu core", 64),
    ("10 Gb Ethernet, TCP", 1.1e9, 30e-6, "cpu core", 10**6),
    ("100 Gb InfiniBand, MPI", 11e9, 2e-6, "cpu core", 10**6),
    ("NVLink in one node, NCCL", 150e9, 8e-6, "gpu", 8),
    ("400 Gb InfiniBand between nodes, NCCL", 45e9, 10e-6, "gpu", 10**6),
]


def allreduce_seconds(floats, ranks, bandwidth, latency):
    size = 4 * floats
    return 2 * (ranks - 1) / ranks * size / bandwidth + 2 * math.ceil(math.log2(ranks)) * latency


def main():
    for data, nets in NETWORKS.items():
        per_iteration = CRITIC_STEPS * nets["critic"] + nets["generator"]
        print(f"{data}: generator {nets['generator']:,} and critic {nets['critic']:,} parameters; "
              f"per iteration {CRITIC_STEPS} critic all-reduces of {4 * nets['critic'] / 2**20:.2f} MiB and 1 generator "
              f"all-reduce of {4 * nets['generator'] / 2**20:.2f} MiB = {4 * per_iteration / 2**20:.2f} MiB per rank")
        print("| link | compute per rank | 2 ranks | 8 ranks | 64 ranks |")
        print("|---|---|---|---|---|")
        for name, bandwidth, latency, device, most in LINKS:
            t = COMPUTE[(data, device)]
            cells = []
            for n in (2, 8, 64):
                if n > most:
                    cells.append("—")
                    continue
                comm = CRITIC_STEPS * allreduce_seconds(nets["critic"], n, bandwidth, latency) \
                    + allreduce_seconds(nets["generator"], n, bandwidth, latency)
                cells.append(f"{100 * t / (t + comm):.0f}% ({1000 * comm:.1f} ms)")
            print(f"| {name} | {1000 * t:g} ms ({device}) | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
