"""PyTorch peer of `gfs train hinge` on toy data: the hinge-loss GAN with SN-GAN's settings.

gan_toy.py's MLPs (tools/reference/gan_toy_torch.py, DIM 512), spectral normalization
(torch.nn.utils.spectral_norm) on every Linear of the critic, critic min mean relu(1 − D(x)) +
mean relu(1 + D(G(z))), generator min −mean D(G(z)), one critic step, Adam 2e-4 β (0.5, 0.999),
batch 256, z ~ N(0, 1)². Prints gfs's toy measures (modes, hq, w1) every --eval-every iterations.

    OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/hinge_torch.py --iters 1800 --seed 1
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import gan_toy_torch as toy  # noqa: E402

args = toy.seeded(toy.toy_parser(__doc__.splitlines()[0]).parse_args())
G, D = toy.mlp(args.dim, 2), toy.mlp(args.dim, 1)
for i, m in enumerate(D):
    if isinstance(m, nn.Linear):
        D[i] = nn.utils.spectral_norm(m)
adam = lambda net: torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG, optD = adam(G), adam(D)
start = time.time()
for it in range(1, args.iters + 1):
    for q in D.parameters():
        q.requires_grad_(True)
    optD.zero_grad()
    with torch.no_grad():
        fake = G(torch.randn(args.batch, 2))
    d_loss = F.relu(1 - D(toy.real_batch(args.batch))).mean() + F.relu(1 + D(fake)).mean()
    d_loss.backward()
    optD.step()
    for q in D.parameters():
        q.requires_grad_(False)
    optG.zero_grad()
    g_loss = -D(G(torch.randn(args.batch, 2))).mean()
    g_loss.backward()
    optG.step()
    if it % args.eval_every == 0:
        modes, hq, w1 = toy.measures(G)
        print(json.dumps({"iter": it, "time_s": round(time.time() - start, 1), "critic_loss": round(d_loss.item(), 6),
                          "g_loss": round(g_loss.item(), 6), "modes": modes, "hq": round(hq, 4), "w1": round(float(w1), 4)}), flush=True)
