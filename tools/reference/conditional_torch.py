"""gfs's conditional GANs (cgan, acgan) on Fashion-MNIST in PyTorch, shared by the peer trainers
tools/reference/cgan_torch.py and tools/reference/acgan_torch.py.

Data: Fashion-MNIST's IDX files (Debian's copy in /usr/share/datasets/fashion-mnist/), pixels / 255
in [0, 1], shuffled afresh each epoch, the last incomplete batch dropped. Networks: the "dcgan" pair
sized for 28×28, with DCGAN's initialisation; the generator takes 128 noise numbers and a learned
10-number embedding of the label. CGAN's critic sees the label as a learned 28×28 second channel;
ACGAN's critic sees the image alone and outputs a real/fake logit and 10 class logits.
Both games: one critic step, then one generator step, Adam 2e-4 β (0.5, 0.999).
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NOISE = 128
CLASSES = 10


# --- data -------------------------------------------------------------------------------------

def read_idx(path):
    """An IDX file (gzip or not): magic 0, 0, type 0x08 (unsigned byte), number of dims, then dims big-endian."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(folder, split="train"):
    """Images [N, 1, 28, 28] float32 in [0, 1] and labels [N] int64 of the train or t10k split."""
    def find(name):
        path = os.path.join(folder, name)
        return path if os.path.exists(path) else path + ".gz"
    images = read_idx(find(f"{split}-images-idx3-ubyte"))
    labels = read_idx(find(f"{split}-labels-idx1-ubyte"))
    x = torch.from_numpy(images.astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    return x, torch.from_numpy(labels.astype(np.int64))


def real_batches(images, labels, batch):
    """Endless (images, labels) batches: a fresh permutation each epoch, the last incomplete batch dropped."""
    while True:
        order = torch.randperm(len(images))
        for start in range(0, len(images) - batch + 1, batch):
            idx = order[start:start + batch]
            yield images[idx], labels[idx]


# --- networks ---------------------------------------------------------------------------------

def dcgan_init(net):
    """DCGAN's initialisation: convolution weights N(0, 0.02²), batch norm scales N(1, 0.02²), biases 0.
    Linear layers and embeddings keep PyTorch's defaults."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def generator_body(inputs, dim):
    return dcgan_init(nn.Sequential(
        nn.Linear(inputs, 2 * dim * 7 * 7), nn.BatchNorm1d(2 * dim * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (2 * dim, 7, 7)),
        nn.ConvTranspose2d(2 * dim, dim, 4, stride=2, padding=1), nn.BatchNorm2d(dim), nn.ReLU(),
        nn.ConvTranspose2d(dim, 1, 4, stride=2, padding=1), nn.Sigmoid()))


def critic_body(channels, outputs, dim):
    return dcgan_init(nn.Sequential(
        nn.Conv2d(channels, dim, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(dim, 2 * dim, 4, stride=2, padding=1), nn.BatchNorm2d(2 * dim), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * dim * 7 * 7, outputs)))


class ConditionalGenerator(nn.Module):
    """G(z, y) = body([z, E(y)]), E a learned 10-number embedding of the label (CGAN's and ACGAN's)."""

    def __init__(self, dim):
        super().__init__()
        self.embed = nn.Embedding(CLASSES, CLASSES)
        self.body = generator_body(NOISE + CLASSES, dim)

    def forward(self, z, y):
        return self.body(torch.cat([z, self.embed(y)], dim=1))


class CganCritic(nn.Module):
    """D(x, y) = body([x, E(y)]): the label enters as one learned 28×28 channel beside the image."""

    def __init__(self, dim):
        super().__init__()
        self.embed = nn.Embedding(CLASSES, 28 * 28)
        self.body = critic_body(2, 1, dim)

    def forward(self, x, y):
        return self.body(torch.cat([x, self.embed(y).view(-1, 1, 28, 28)], dim=1))


def acgan_critic(dim):
    """D(x): column 0 the real/fake logit, columns 1..10 the class logits."""
    return critic_body(1, 1 + CLASSES, dim)


# --- the games --------------------------------------------------------------------------------

def fake_labels(n):
    return torch.randint(0, CLASSES, (n,))


def set_trainable(net, on):
    for p in net.parameters():
        p.requires_grad_(on)


def cgan_iteration(G, D, optG, optD, x, y):
    """One critic step on a real batch (x, y), then one non-saturating generator step. Returns both losses."""
    n = len(x)
    set_trainable(D, True)
    optD.zero_grad()
    yf = fake_labels(n)
    with torch.no_grad():
        fake = G(torch.randn(n, NOISE), yf)
    d_loss = F.softplus(-D(x, y)).mean() + F.softplus(D(fake, yf)).mean()
    d_loss.backward()
    optD.step()

    set_trainable(D, False)
    optG.zero_grad()
    yf = fake_labels(n)
    g_loss = F.softplus(-D(G(torch.randn(n, NOISE), yf), yf)).mean()
    g_loss.backward()
    optG.step()
    return d_loss.item(), g_loss.item()


def acgan_iteration(G, D, optG, optD, x, y, fake_class_weight=1.0):
    """ACGAN: both players also minimise the cross-entropy of the class logits on the labels.
    fake_class_weight weighs the critic's class term on generated samples (1: the paper's; 0: the
    class head learns from real samples alone), as gfs's --fake-class-weight.

    F.cross_entropy takes the logits themselves; some reference ACGAN code applies a softmax
    before its cross-entropy, a bug (the loss then saturates) that is not reproduced here."""
    n = len(x)
    set_trainable(D, True)
    optD.zero_grad()
    yf = fake_labels(n)
    with torch.no_grad():
        fake = G(torch.randn(n, NOISE), yf)
    real_out, fake_out = D(x), D(fake)
    d_loss = (F.softplus(-real_out[:, 0]).mean() + F.softplus(fake_out[:, 0]).mean()
              + F.cross_entropy(real_out[:, 1:], y) + fake_class_weight * F.cross_entropy(fake_out[:, 1:], yf))
    d_loss.backward()
    optD.step()

    set_trainable(D, False)
    optG.zero_grad()
    yf = fake_labels(n)
    out = D(G(torch.randn(n, NOISE), yf))
    g_loss = F.softplus(-out[:, 0]).mean() + F.cross_entropy(out[:, 1:], yf)
    g_loss.backward()
    optG.step()
    return d_loss.item(), g_loss.item()


# --- samples and the training loop ------------------------------------------------------------

def write_samples(G, n, prefix, seed, conditional=True, noise=NOISE):
    """n images from G in eval mode as uint8 [n, 28, 28] to PREFIX.npy and, for a conditional G (label of
    sample i = i % 10), the labels as int64 [n] to PREFIX.labels.npy. The noise has its own random stream
    (seeded from --seed), so exporting does not change the training's, and every export uses the same noise."""
    rng = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % CLASSES
    G.eval()
    images = []
    with torch.no_grad():
        for start in range(0, n, 500):
            y = labels[start:start + 500]
            z = torch.randn(len(y), noise, generator=rng)
            x = G(z, y) if conditional else G(z)
            images.append(torch.round(255 * x.clamp(0, 1)).to(torch.uint8).view(-1, 28, 28))  # half to even
    G.train()
    np.save(prefix + ".npy", torch.cat(images).numpy())
    if conditional:
        np.save(prefix + ".labels.npy", labels.numpy())


def parser(description, out_required=True):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", required=out_required)
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--weight-decay", type=float, default=0.0, help="Adam's weight_decay (wd·w added to the gradients) on both players")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--eval-every", type=int, default=0, help="also export samples every K iterations (0: only at the end)")
    p.add_argument("--log-every", type=int, default=100)
    return p


def train(args, G, D, iteration, name, conditional=True):
    """Runs `iteration` args.iters times on Fashion-MNIST's training split, logging and exporting samples."""
    os.makedirs(args.out, exist_ok=True)
    images, labels = load_fashion_mnist(args.data)
    batches = real_batches(images, labels, args.batch_size)
    adam = lambda net: torch.optim.Adam(net.parameters(), lr=args.lr, betas=(args.beta1, args.beta2), weight_decay=args.weight_decay)
    optG, optD = adam(G), adam(D)
    G.train()
    D.train()
    export_s = 0.0  # time spent writing samples, left out of time_s
    start = time.time()
    with open(os.path.join(args.out, "log.jsonl"), "w") as log:
        for it in range(1, args.iters + 1):
            x, y = next(batches)
            d_loss, g_loss, *extra = iteration(G, D, optG, optD, x, y)  # extra: a dict of the game's own measures
            if it % args.log_every == 0:
                log.write(json.dumps({"iter": it, "critic_loss": d_loss, "g_loss": g_loss, **(extra[0] if extra else {}),
                                      "time_s": round(time.time() - start - export_s, 3)}) + "\n")
                log.flush()
            if args.eval_every and it % args.eval_every == 0:
                t = time.time()
                write_samples(G, args.samples, os.path.join(args.out, f"samples_iter_{it:06d}"), args.seed, conditional)
                export_s += time.time() - t
    seconds = time.time() - start - export_s
    write_samples(G, args.samples, os.path.join(args.out, "samples"), args.seed, conditional)
    print(f"{name}: {args.iters} iterations in {seconds:.1f} s, {seconds / max(args.iters, 1):.4f} s/iter")
