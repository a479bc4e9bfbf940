"""PyTorch peer of `gfs bench train-step --variant V --dataset fashion-mnist`, for the variants whose
peers live in tools/reference (infogan, bigan, ssgan, biggan): one training iteration of the peer's own networks
and step (its `*_iteration` function, unchanged), on random 28×28 images in [0, 1] (the pixels do not
change the cost). Prints the median milliseconds per iteration as one JSON object, as
mnist_train_step.py does.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/variant_train_step.py --variant bigan --threads 2 --iters 10
"""
import argparse
import json
import os
import sys
from types import SimpleNamespace

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from timing import median_ms  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--variant", choices=["infogan", "bigan", "ssgan", "biggan"], required=True)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iters", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--dim", type=int, default=64)
parser.add_argument("--batch", type=int, help="default: the peer's (128; ssgan 100, biggan 50)")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)
args.batch = args.batch or {"ssgan": 100, "biggan": 50}.get(args.variant, 128)
x = torch.rand(args.batch, 1, 28, 28)

if args.variant == "infogan":
    import infogan_torch as peer

    settings = SimpleNamespace(categories=10, continuous_codes=2, lambda_cat=1.0, lambda_cont=1.0)
    G, D = peer.Generator(args.dim, 10, 2), peer.Critic(args.dim, 12)
    optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    step = lambda: peer.infogan_iteration(G, D, optG, optD, x, settings)  # noqa: E731
elif args.variant == "ssgan":
    import ssgan_torch as peer

    G, D = peer.generator(args.dim), peer.Critic(args.dim)
    optG = torch.optim.Adam(G.parameters(), lr=3e-3, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=3e-3, betas=(0.5, 0.999))
    x_lab, y_lab = torch.rand(args.batch, 1, 28, 28), torch.randint(0, 10, (args.batch,))
    step = lambda: peer.ssgan_iteration(G, D, optG, optD, x_lab, y_lab, x, 1.0)  # noqa: E731
elif args.variant == "biggan":
    import biggan_torch as peer

    G, D, G_ema, optG, optD = peer.players(args.dim)
    y = torch.randint(0, 10, (args.batch,))
    step = lambda: peer.biggan_iteration(G, D, G_ema, optG, optD, lambda: (x, y), args.batch)  # noqa: E731
else:
    import bigan_torch as peer

    G, E, D = peer.generator(args.dim), peer.encoder(args.dim), peer.PairCritic(args.dim)
    optGE = torch.optim.Adam(list(G.parameters()) + list(E.parameters()), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    step = lambda: peer.bigan_iteration(G, E, D, optGE, optD, x)  # noqa: E731

ms = median_ms(step, args.iters, args.warmup)
print(json.dumps({"peer": f"pytorch {torch.__version__}", "variant": args.variant, "dim": args.dim, "batch": args.batch,
                  "threads": args.threads, "ms_per_iter": round(ms, 2)}))
