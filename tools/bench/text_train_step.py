"""PyTorch peer of `gfs bench train-step --dataset text`: one WGAN-GP generator iteration of the
WGAN-GP authors' language model (gan_language.py's networks as tools/reference/gan_language_torch.py
builds them: DIM 64, batch 64, 32 positions, a vocabulary of 103; 10 critic steps, penalty λ = 10 over
sequence × vocabulary, Adam 1e-4 β (0.5, 0.9)) on random one-hot lines (the characters do not change
the cost). Prints the median milliseconds per generator iteration as one JSON object.

    /usr/bin/python3 tools/bench/text_train_step.py --threads 2 --iters 10
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from gan_language_torch import SEQ_LEN, Critic, Generator  # noqa: E402
from timing import median_ms  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iters", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--dim", type=int, default=64)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--vocab", type=int, default=103)
parser.add_argument("--critic-iters", type=int, default=10)
parser.add_argument("--lam", type=float, default=10.0)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)
B, V = args.batch, args.vocab
G, D = Generator(args.dim, V), Critic(args.dim, V)
optD = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.9))
optG = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.5, 0.9))
eye = torch.eye(V)


def iteration():
    for p in D.parameters():
        p.requires_grad_(True)
    for _ in range(args.critic_iters):
        real = eye[torch.randint(V, (B, SEQ_LEN))]
        with torch.no_grad():
            fake = G(torch.randn(B, 128))
        optD.zero_grad()
        loss = D(fake).mean() - D(real).mean()
        alpha = torch.rand(B, 1, 1)
        x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        out = D(x)
        g, = torch.autograd.grad(out, x, torch.ones_like(out), create_graph=True)
        gp = args.lam * ((g.reshape(B, -1).norm(2, dim=1) - 1) ** 2).mean()
        (loss + gp).backward()
        optD.step()
    for p in D.parameters():
        p.requires_grad_(False)
    optG.zero_grad()
    (-D(G(torch.randn(B, 128))).mean()).backward()
    optG.step()


median = median_ms(iteration, args.iters, args.warmup)
print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "dataset": "text", "dim": args.dim, "batch": B, "vocab": V,
                  "threads": args.threads, "ms_per_iter": round(median, 2)}))
