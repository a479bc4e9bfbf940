"""PyTorch peer of `gfs train bigan`: BiGAN (Donahue et al. 2017) on Fashion-MNIST as gfs trains it.

The BiGAN authors' MNIST settings and networks (their train_mnist.sh: mnist_mlp encoder and
discriminator, deconvnet_mnist_mlp generator), with gfs's simplifications, to compare with gfs at equal
iterations.

z ~ U(−1, 1)⁵⁰. G: FC 1024, BN, ReLU → FC 1024, BN, ReLU → FC 784, sigmoid. E: FC 1024, LReLU(0.2) → FC
1024, BN, LReLU → FC 50, tanh. D(x, z): FC 1024, LReLU → FC 1024 plus a bias-free projection of z → BN,
LReLU → FC 1 (the logit). Every linear weight N(0, 0.02²), bias 0. One iteration on one real batch x:
a critic step (D ascends log σ(D(x, E(x))) + log(1 − σ(D(G(z), z))), the real pairs scored first), then a
step of G and E together on the same x and fresh z, with the labels swapped (E pushes D(x, E(x)) towards
"generated", G pushes D(G(z), z) towards "real"). Adam 2e-4, β (0.5, 0.999), batch 128.

Writes OUT/log.jsonl (losses every --log-every iterations) and OUT/metrics.jsonl (every --eval-every K
iterations and at the end; networks in eval mode), with gfs's measures on the first 10,000 test images
(queries) and the first 10,000 training images (labelled references): nn_acc (1-nearest-neighbour
accuracy of E(x_test) among E(x_train), E read before its final tanh), probe_acc (logistic regression on standardised features, 300
full-batch Adam steps of 0.01 from zero weights), recon (mean ‖x − G(E(x))‖ over mean ‖x_{i+1} − G(E(x_i))‖),
and the same for an encoder as initialised (seed --seed + 18: _random) and for raw pixels (_pixels).
Also OUT/reconstructions.png (rows of 10 test images, each over their reconstructions) and OUT/samples.npy
(uint8 [N, 28, 28]) for `gfs eval --samples`.

    /usr/bin/python3 -B tools/reference/bigan_torch.py --iters 2000 --seed 1 --out runs/bigan-torch
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from conditional_torch import load_fashion_mnist, parser, real_batches, set_trainable  # noqa: E402
from infogan_torch import evaluating, write_png  # noqa: E402

NOISE = 50
LEAK = 0.2
MEASURE = 10000


def bigan_init(net):
    """Every linear weight N(0, 0.02²), bias 0 (batch norms start at scale 1, shift 0)."""
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


def generator(dim):
    return bigan_init(nn.Sequential(
        nn.Linear(NOISE, 16 * dim), nn.BatchNorm1d(16 * dim), nn.ReLU(),
        nn.Linear(16 * dim, 16 * dim), nn.BatchNorm1d(16 * dim), nn.ReLU(),
        nn.Linear(16 * dim, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28))))


def encoder(dim):
    return bigan_init(nn.Sequential(
        nn.Flatten(), nn.Linear(784, 16 * dim), nn.LeakyReLU(LEAK),
        nn.Linear(16 * dim, 16 * dim), nn.BatchNorm1d(16 * dim), nn.LeakyReLU(LEAK),
        nn.Linear(16 * dim, NOISE), nn.Tanh()))


class PairCritic(nn.Module):
    """D(x, z) = head(x-path(x) + projection(z))."""

    def __init__(self, dim):
        super().__init__()
        self.x = bigan_init(nn.Sequential(nn.Flatten(), nn.Linear(784, 16 * dim), nn.LeakyReLU(LEAK), nn.Linear(16 * dim, 16 * dim)))
        self.z = bigan_init(nn.Linear(NOISE, 16 * dim, bias=False))
        self.head = bigan_init(nn.Sequential(nn.BatchNorm1d(16 * dim), nn.LeakyReLU(LEAK), nn.Linear(16 * dim, 1)))

    def forward(self, x, z):
        return self.head(self.x(x) + self.z(z))


def noise(n, rng=None):
    return 2 * torch.rand(n, NOISE, generator=rng) - 1


def bigan_iteration(G, E, D, optGE, optD, x):
    """A critic step, then a step of G and E together, on the same real batch. Returns both losses."""
    n = len(x)
    set_trainable(D, True)
    optD.zero_grad()
    with torch.no_grad():
        ex = E(x)
        z = noise(n)
        gz = G(z)
    real, fake = D(x, ex), D(gz, z)
    d_loss = F.softplus(-real).mean() + F.softplus(fake).mean()
    d_loss.backward()
    optD.step()

    set_trainable(D, False)
    optGE.zero_grad()
    z = noise(n)
    real, fake = D(x, E(x)), D(G(z), z)
    g_loss = F.softplus(real).mean() + F.softplus(-fake).mean()  # the labels swapped
    g_loss.backward()
    optGE.step()
    return d_loss.item(), g_loss.item()


# --- measures ---------------------------------------------------------------------------------

def encode(E, x, features=False):
    """E(x) in eval mode; with features, E's output before its final tanh (what nn_acc and probe_acc read,
    as the BiGAN authors' evaluation reads their encoder's linear outputs)."""
    net = E[:-1] if features else E
    with evaluating(E):
        return torch.cat([net(x[s:s + 500]) for s in range(0, len(x), 500)])


def reconstruct(G, E, x):
    z = encode(E, x)
    with evaluating(G):
        return torch.cat([G(z[s:s + 500]) for s in range(0, len(z), 500)])


def nn_accuracy(ref, ref_labels, queries, query_labels):
    """1-nearest-neighbour accuracy (Euclidean) of the queries among the labelled references."""
    norms = ref.square().sum(1)
    hits = 0
    for s in range(0, len(queries), 1000):
        nearest = (norms[None, :] - 2 * queries[s:s + 1000] @ ref.T).argmin(1)
        hits += (ref_labels[nearest] == query_labels[s:s + 1000]).sum().item()
    return hits / len(queries)


def probe_accuracy(train, train_labels, test, test_labels, steps=300):
    """Logistic regression on standardised features: full-batch Adam 0.01 from zero weights."""
    mean = train.mean(0)
    std = train.std(0, unbiased=False)
    scale = torch.where(std > 1e-6, 1 / std, torch.ones_like(std))
    x, t = (train - mean) * scale, (test - mean) * scale
    probe = nn.Linear(train.shape[1], 10)
    nn.init.zeros_(probe.weight)
    nn.init.zeros_(probe.bias)
    opt = torch.optim.Adam(probe.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(probe(x), train_labels).backward()
        opt.step()
    with torch.no_grad():
        return (probe(t).argmax(1) == test_labels).float().mean().item()


def recon_ratio(x, recon):
    x, recon = x.flatten(1), recon.flatten(1)
    own = (x - recon).norm(dim=1).mean()
    other = (x.roll(-1, 0) - recon).norm(dim=1).mean()
    return (own / other).item()


def measure(G, E, E_random, data, baselines):
    (train, train_labels), (test, test_labels) = data
    trz, tez = encode(E, train, True), encode(E, test, True)
    return {
        "nn_acc": nn_accuracy(trz, train_labels, tez, test_labels),
        "nn_acc_random": baselines["nn_acc_random"],
        "nn_acc_pixels": baselines["nn_acc_pixels"],
        "probe_acc": probe_accuracy(trz, train_labels, tez, test_labels),
        "probe_acc_random": baselines["probe_acc_random"],
        "probe_acc_pixels": baselines["probe_acc_pixels"],
        "recon": recon_ratio(test, reconstruct(G, E, test)),
        "recon_random": recon_ratio(test, reconstruct(G, E_random, test)),
    }


def baseline_measures(E_random, data):
    (train, train_labels), (test, test_labels) = data
    trz, tez = encode(E_random, train, True), encode(E_random, test, True)
    trx, tex = train.flatten(1), test.flatten(1)
    return {
        "nn_acc_random": nn_accuracy(trz, train_labels, tez, test_labels),
        "nn_acc_pixels": nn_accuracy(trx, train_labels, tex, test_labels),
        "probe_acc_random": probe_accuracy(trz, train_labels, tez, test_labels),
        "probe_acc_pixels": probe_accuracy(trx, train_labels, tex, test_labels),
    }


def write_reconstructions(G, E, test, path, rows=4, columns=10):
    x = test[:rows * columns]
    recon = reconstruct(G, E, x)
    grid = torch.cat([torch.cat([x[r * columns:(r + 1) * columns], recon[r * columns:(r + 1) * columns]]) for r in range(rows)])
    write_png(path, grid.view(-1, 28, 28).numpy(), columns)


def write_samples(G, n, path, seed):
    z = noise(n, torch.Generator().manual_seed(seed))
    with evaluating(G):
        x = torch.cat([G(z[s:s + 500]) for s in range(0, n, 500)])
    np.save(path, torch.round(255 * x.clamp(0, 1)).to(torch.uint8).view(-1, 28, 28).numpy())


def main():
    p = parser(__doc__.splitlines()[0])
    p.set_defaults(batch_size=128)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed + 18)
    E_random = encoder(args.dim)
    torch.manual_seed(args.seed)
    G, E, D = generator(args.dim), encoder(args.dim), PairCritic(args.dim)

    os.makedirs(args.out, exist_ok=True)
    images, labels = load_fashion_mnist(args.data)
    test_images, test_labels = load_fashion_mnist(args.data, "t10k")
    data = (images[:MEASURE], labels[:MEASURE]), (test_images[:MEASURE], test_labels[:MEASURE])
    baselines = baseline_measures(E_random, data)
    batches = real_batches(images, labels, args.batch_size)
    betas = (args.beta1, args.beta2)
    optGE = torch.optim.Adam(list(G.parameters()) + list(E.parameters()), lr=args.lr, betas=betas)
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=betas)
    export_s = 0.0  # time spent measuring, left out of time_s
    start = time.time()
    log, metrics = (open(os.path.join(args.out, name), "w") for name in ("log.jsonl", "metrics.jsonl"))
    with log, metrics:
        def evaluate(it):
            line = {"iter": it, **{k: round(v, 6) for k, v in measure(G, E, E_random, data, baselines).items()},
                    "time_s": round(time.time() - start - export_s, 3)}
            metrics.write(json.dumps(line) + "\n")
            metrics.flush()
            return line

        for it in range(1, args.iters + 1):
            x, _ = next(batches)
            d_loss, g_loss = bigan_iteration(G, E, D, optGE, optD, x)
            if it % args.log_every == 0:
                log.write(json.dumps({"iter": it, "critic_loss": d_loss, "g_loss": g_loss,
                                      "time_s": round(time.time() - start - export_s, 3)}) + "\n")
                log.flush()
            if args.eval_every and it % args.eval_every == 0 and it < args.iters:
                t = time.time()
                evaluate(it)
                export_s += time.time() - t
        seconds = time.time() - start - export_s
        line = evaluate(args.iters)
    write_reconstructions(G, E, test_images, os.path.join(args.out, "reconstructions.png"))
    write_samples(G, args.samples, os.path.join(args.out, "samples.npy"), args.seed)
    print(f"bigan: {args.iters} iterations in {seconds:.1f} s, {seconds / max(args.iters, 1):.4f} s/iter, " +
          ", ".join(f"{k} {v}" for k, v in line.items() if k not in ("iter", "time_s")))


if __name__ == "__main__":
    main()
