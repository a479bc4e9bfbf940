"""PyTorch reference for `gfs train` on toy data: gan_toy.py's networks and loop, with gfs's metrics.

Trains wgan-gp (or wgan with clipping) on 8gaussians as the WGAN-GP authors' gan_toy.py does
(tools/reference/gan_toy_torch.py) and prints, every --eval-every iterations, the same measures
gfs writes to metrics.jsonl: modes and hq over 2,500 samples, exact W1 (scipy's
linear_sum_assignment) between 1,024 generated and 1,024 real points. Used to compare gfs's
results with PyTorch's.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/reference/gan_toy_reference.py --iters 2000 --lam 0.1 --seed 1
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from gan_toy_torch import iteration, measures, seeded, setup, toy_parser  # noqa: E402

p = toy_parser(iters=2000)
p.add_argument("--mode", default="wgan-gp", choices=["wgan-gp", "wgan"])
p.add_argument("--lam", type=float, default=0.1)
args = seeded(p.parse_args())
G, D, optG, optD = setup(args.mode, args.dim)


start = time.time()
for it in range(1, args.iters + 1):
    iteration(G, D, optG, optD, args.batch, args.mode, args.lam)
    if it % args.eval_every == 0:
        modes, hq, w1 = measures(G)
        print(json.dumps({"iter": it, "time_s": round(time.time() - start, 1), "modes": modes, "hq": round(hq, 4),
                          "w1": round(float(w1), 4)}), flush=True)
