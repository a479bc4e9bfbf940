"""PyTorch peer of `gfs bench train-step`: one WGAN-GP generator iteration of gan_toy.py.

Five critic steps (real batch, generated batch, gradient penalty at random interpolates, Adam
step) then one generator step, with gan_toy.py's MLPs (3 hidden ReLU layers of DIM), batch 256,
on the CPU. Prints the median milliseconds per generator iteration as one JSON object.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/toy_train_step.py --threads 1 --iters 20

--threads is torch.set_num_threads; OpenBLAS (Debian's libopenblas0-pthread) keeps its own
threads, every core unless OPENBLAS_NUM_THREADS says otherwise. tools/bench/compare_train_step.sh
alternates this script with `gfs bench train-step`.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iters", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--dim", type=int, default=512)
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--lam", type=float, default=10.0)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)
DIM, B = args.dim, args.batch


def mlp(out):
    return nn.Sequential(nn.Linear(2, DIM), nn.ReLU(True), nn.Linear(DIM, DIM), nn.ReLU(True),
                         nn.Linear(DIM, DIM), nn.ReLU(True), nn.Linear(DIM, out))


G, D = mlp(2), mlp(1)
for m in list(G.modules()) + list(D.modules()):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)
optD = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
centres = torch.tensor([(2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)) for k in range(8)])


def real_batch():
    idx = torch.randint(0, 8, (B,))
    return (centres[idx] + 0.02 * torch.randn(B, 2)) / 1.414


def iteration():
    for p in D.parameters():
        p.requires_grad_(True)
    for _ in range(5):
        real = real_batch()
        D.zero_grad()
        with torch.no_grad():
            fake = G(torch.randn(B, 2))
        d_real, d_fake = D(real).mean(), D(fake).mean()
        alpha = torch.rand(B, 1)
        x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        grad = torch.autograd.grad(D(x), x, torch.ones(B, 1), create_graph=True)[0]
        penalty = args.lam * ((grad.norm(2, dim=1) - 1) ** 2).mean()
        (d_fake - d_real + penalty).backward()
        optD.step()
    for p in D.parameters():
        p.requires_grad_(False)
    G.zero_grad()
    g_loss = -D(G(torch.randn(B, 2))).mean()
    g_loss.backward()
    optG.step()


for _ in range(args.warmup):
    iteration()
times = []
for _ in range(args.iters):
    t = time.perf_counter()
    iteration()
    times.append((time.perf_counter() - t) * 1000)
times.sort()
median = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1] + times[len(times) // 2])
print(json.dumps({"peer": f"pytorch {torch.__version__}", "variant": "wgan-gp", "dim": DIM, "batch": B,
                  "threads": args.threads, "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
                  "ms_per_iter": round(median, 2)}))
