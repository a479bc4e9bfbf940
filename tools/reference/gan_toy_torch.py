"""gan_toy.py's model and training iteration in PyTorch, shared by the reference trainer
(tools/reference/gan_toy_reference.py) and the benchmark peer (tools/bench/toy_train_step.py).

Networks: an MLP with three hidden ReLU layers of `dim` for both players, weights N(0, 0.02²),
biases 0. Data: eight Gaussians on a circle of radius 2, std 0.02, all divided by 1.414.
"""
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

CENTRES = torch.tensor([(2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)) for k in range(8)]) / 1.414
STD = 0.02 / 1.414


def toy_parser(description=None, iters=1800):
    """The toy peers' common options (gfs's toy defaults); each peer adds its own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--iters", type=int, default=iters)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--eval-every", type=int, default=100)
    return p


def seeded(args):
    """Seeds PyTorch with --seed and keeps it to one thread (OpenBLAS's count comes from its environment variable)."""
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    return args


def mlp(dim, out, inputs=2):
    net = nn.Sequential(nn.Linear(inputs, dim), nn.ReLU(True), nn.Linear(dim, dim), nn.ReLU(True),
                        nn.Linear(dim, dim), nn.ReLU(True), nn.Linear(dim, out))
    for m in net.modules():
        if isinstance(m, nn.Linear):
            m.weight.data.normal_(0.0, 0.02)
            m.bias.data.fill_(0)
    return net


def labelled_batch(n):
    """n points of the eight Gaussians and the Gaussian each was drawn from."""
    y = torch.randint(0, len(CENTRES), (n,))
    return CENTRES[y] + STD * torch.randn(n, 2), y


def real_batch(n):
    return labelled_batch(n)[0]


def setup(mode, dim):
    """Generator, critic and their optimizers as gan_toy.py (wgan-gp) or the WGAN paper (wgan) set them."""
    G, D = mlp(dim, 2), mlp(dim, 1)
    if mode == "wgan-gp":
        opt = lambda net: torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.5, 0.9))
    else:
        opt = lambda net: torch.optim.RMSprop(net.parameters(), lr=5e-5)
    return G, D, opt(G), opt(D)


def iteration(G, D, optG, optD, batch, mode="wgan-gp", lam=10.0, critic_iters=5, clip=0.01):
    """One generator iteration: critic steps (penalty or clipping), then a generator step with the critic frozen."""
    for p in D.parameters():
        p.requires_grad_(True)
    for _ in range(critic_iters):
        real = real_batch(batch)
        D.zero_grad()
        with torch.no_grad():
            fake = G(torch.randn(batch, 2))
        loss = D(fake).mean() - D(real).mean()
        if mode == "wgan-gp":
            alpha = torch.rand(batch, 1)
            x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            grad = torch.autograd.grad(D(x), x, torch.ones(batch, 1), create_graph=True)[0]
            loss = loss + lam * ((grad.norm(2, dim=1) - 1) ** 2).mean()
        loss.backward()
        optD.step()
        if mode == "wgan":
            for p in D.parameters():
                p.data.clamp_(-clip, clip)
    for p in D.parameters():
        p.requires_grad_(False)
    G.zero_grad()
    g_loss = -D(G(torch.randn(batch, 2))).mean()
    g_loss.backward()
    optG.step()


def measures(G, noise=2):
    """gfs's toy measures of G: modes and hq over 2,500 samples (a sample is of high quality within
    3 std of a centre), and the exact W1 between 1,024 samples and 1,024 real points."""
    with torch.no_grad():
        gen = G(torch.randn(2500, noise))
    return point_measures(gen)


def point_measures(gen):
    """modes and hq of 2,500 generated points, and W1 between the first 1,024 and 1,024 real points."""
    nearest = torch.cdist(gen, CENTRES).min(dim=1)
    good = nearest.values <= 3 * STD
    modes = len(set(nearest.indices[good].tolist()))
    cost = cdist(gen[:1024].numpy().astype(np.float64), real_batch(1024).numpy().astype(np.float64))
    rows, cols = linear_sum_assignment(cost)
    return modes, good.float().mean().item(), cost[rows, cols].mean()
