"""PyTorch peer of `gfs train cgan --dataset 8gaussians`: the conditional GAN on toy data with gfs's
networks and settings, printing gfs's toy measures, to compare the two at equal iterations.

Data: gan_toy.py's eight Gaussians (tools/reference/gan_toy_torch.py), each point labelled with the
Gaussian it was drawn from. Networks: gan_toy.py's MLPs (three hidden ReLU layers of --dim, weights
N(0, 0.02²), biases 0), each with a learned 8×8 embedding of the label (N(0, 1), nn.Embedding's
default) appended to its input: G([z, embed(y)]), z ~ N(0, I₂), and D([x, embed(y)]). Game: one
critic step (−log σ(D(x, y)) − log(1 − σ(D(G(z, y'), y'))), y' uniform) then one generator step
(−log σ(D(G(z, y'), y'))), Adam 2e-4 β (0.5, 0.999), batch 256.

Every --eval-every iterations it prints what gfs writes to metrics.jsonl: modes and hq over 2,500
samples asked for the labels 0, 1, …, 7 in turn, class_acc (the fraction within 3σ of their own
label's centre) and the exact W1 between the first 1,024 of them and 1,024 real points.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/reference/cgan_toy_torch.py --iters 1800 --seed 1
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from gan_toy_torch import CENTRES, STD, labelled_batch, mlp, point_measures, seeded, toy_parser  # noqa: E402

CLASSES = len(CENTRES)


class Conditional(nn.Module):
    """net([x, embed(y)]): gfs's ConditionalGenerator and toy ConditionalCritic."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.labels = nn.Embedding(CLASSES, CLASSES)

    def forward(self, x, y):
        return self.net(torch.cat([x, self.labels(y)], dim=1))


def measures(G):
    """gfs's toy measures (tools/reference/gan_toy_torch.py) of 2,500 points asked for the labels in turn, and class_acc."""
    with torch.no_grad():
        y = torch.arange(2500) % CLASSES
        gen = G(torch.randn(2500, 2), y)
    class_acc = ((gen - CENTRES[y]).norm(dim=1) <= 3 * STD).float().mean().item()
    modes, hq, w1 = point_measures(gen)
    return modes, hq, float(w1), class_acc


def main():
    args = seeded(toy_parser(__doc__.splitlines()[0]).parse_args())
    G = Conditional(mlp(args.dim, 2, inputs=2 + CLASSES))
    D = Conditional(mlp(args.dim, 1, inputs=2 + CLASSES))
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    start = time.time()
    for it in range(1, args.iters + 1):
        real, y = labelled_batch(args.batch)
        y_fake = torch.randint(0, CLASSES, (args.batch,))
        with torch.no_grad():
            fake = G(torch.randn(args.batch, 2), y_fake)
        d_loss = F.softplus(-D(real, y)).mean() + F.softplus(D(fake, y_fake)).mean()
        optD.zero_grad()
        d_loss.backward()
        optD.step()

        y_fake = torch.randint(0, CLASSES, (args.batch,))
        g_loss = F.softplus(-D(G(torch.randn(args.batch, 2), y_fake), y_fake)).mean()
        optG.zero_grad()
        g_loss.backward()
        optG.step()

        if it % args.eval_every == 0:
            modes, hq, w1, class_acc = measures(G)
            print(json.dumps({"iter": it, "time_s": round(time.time() - start, 1), "critic_loss": round(d_loss.item(), 4),
                              "g_loss": round(g_loss.item(), 4), "modes": modes, "hq": round(hq, 4), "w1": round(w1, 4),
                              "class_acc": round(class_acc, 4)}), flush=True)


if __name__ == "__main__":
    main()
