"""PyTorch reference for `gfs train` on toy data: gan_toy.py's networks and loop, with gfs's metrics.

Trains wgan-gp (or wgan with clipping) on 8gaussians as the WGAN-GP authors' gan_toy.py does
and prints, every --eval-every iterations, the same measures gfs writes to metrics.jsonl:
modes and hq over 2,500 samples, exact W1 (scipy's linear_sum_assignment) between 1,024
generated and 1,024 real points. Used to compare gfs's results with PyTorch's.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/reference/gan_toy_reference.py --iters 2000 --lam 0.1
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

p = argparse.ArgumentParser()
p.add_argument("--mode", default="wgan-gp", choices=["wgan-gp", "wgan"])
p.add_argument("--iters", type=int, default=2000)
p.add_argument("--lam", type=float, default=0.1)
p.add_argument("--dim", type=int, default=512)
p.add_argument("--batch", type=int, default=256)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--eval-every", type=int, default=100)
args = p.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(1)
DIM, B = args.dim, args.batch


def mlp(out):
    return nn.Sequential(nn.Linear(2, DIM), nn.ReLU(True), nn.Linear(DIM, DIM), nn.ReLU(True),
                         nn.Linear(DIM, DIM), nn.ReLU(True), nn.Linear(DIM, out))


G, D = mlp(2), mlp(1)
for m in list(G.modules()) + list(D.modules()):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)
if args.mode == "wgan-gp":
    optD = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
    optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
else:
    optD = torch.optim.RMSprop(D.parameters(), lr=5e-5)
    optG = torch.optim.RMSprop(G.parameters(), lr=5e-5)
centres = torch.tensor([(2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)) for k in range(8)]) / 1.414
STD = 0.02 / 1.414


def real_batch(n):
    return centres[torch.randint(0, 8, (n,))] + STD * torch.randn(n, 2)


def evaluate():
    with torch.no_grad():
        gen = G(torch.randn(2500, 2))
    d2 = torch.cdist(gen, centres)
    nearest = d2.min(dim=1)
    good = nearest.values <= 3 * STD
    modes = len(set(nearest.indices[good].tolist()))
    hq = good.float().mean().item()
    a, b = gen[:1024].numpy().astype(np.float64), real_batch(1024).numpy().astype(np.float64)
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return modes, hq, cost[rows, cols].mean()


start = time.time()
for it in range(1, args.iters + 1):
    for p_ in D.parameters():
        p_.requires_grad_(True)
    for _ in range(5):
        real = real_batch(B)
        D.zero_grad()
        with torch.no_grad():
            fake = G(torch.randn(B, 2))
        loss = D(fake).mean() - D(real).mean()
        if args.mode == "wgan-gp":
            alpha = torch.rand(B, 1)
            x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            grad = torch.autograd.grad(D(x), x, torch.ones(B, 1), create_graph=True)[0]
            loss = loss + args.lam * ((grad.norm(2, dim=1) - 1) ** 2).mean()
        loss.backward()
        optD.step()
        if args.mode == "wgan":
            for p_ in D.parameters():
                p_.data.clamp_(-0.01, 0.01)
    for p_ in D.parameters():
        p_.requires_grad_(False)
    G.zero_grad()
    g_loss = -D(G(torch.randn(B, 2))).mean()
    g_loss.backward()
    optG.step()
    if it % args.eval_every == 0:
        modes, hq, w1 = evaluate()
        print(json.dumps({"iter": it, "time_s": round(time.time() - start, 1), "modes": modes, "hq": round(hq, 4),
                          "w1": round(float(w1), 4)}), flush=True)
