"""PyTorch peer of `gfs train ssgan` (and, with --baseline, of `gfs train classifier --arch ssgan`).

Salimans et al. 2016's semi-supervised GAN on Fashion-MNIST as gfs trains it: their MNIST networks
(train_mnist_feature_matching.py) and losses, with gfs's simplifications.

G(z), z ~ U(−1, 1)¹⁰⁰: FC 500, BN, softplus → FC 500, BN, softplus → weight-normalized FC 784, sigmoid.
Critic: Gaussian noise σ 0.3 → weight-normalized FC 1000, 500, 250, 250, 250, each ReLU then noise σ 0.5
(the last in the head) → weight-normalized FC 10, the class logits; the fake class's logit is 0.
Weight norm: torch.nn.utils.weight_norm. --critic-init authors (default, as gfs): v ~ N(0, 0.1²), then the
authors' data-dependent initialisation on 500 training images (the first of a permutation seeded with
seed + 23) sets g and b so that each layer's pre-activations have mean 0 and std 1; the hidden layers'
g are then fixed (buffers), the last layer's learned. --critic-init norm: v ~ N(0, 0.05²), g = ‖v‖, all
learned. The generator's last layer: v ~ N(0, 0.05²), g = ‖v‖; its hidden FC layers have PyTorch's
default initialisation.

Each iteration: a critic step on a labelled batch (from the balanced subset of --labels-per-class
images per class: the first of each class in a seeded permutation), an unlabelled batch (all training
images, reshuffled every epoch) and a generated batch,
    L = CE(l(x_lab), y) + w·(½·mean(softplus(lse(l(x))) − lse(l(x))) + ½·mean(softplus(lse(l(G(z)))))),
then a generator step by feature matching, mean((mean f(G(z)) − mean f(x))²), f the last hidden layer,
on the same unlabelled batch. Adam 3e-3 β (0.5, 0.999), batch 100.

Writes OUT/metrics.jsonl: test_acc (the critic in eval mode on the 10,000 test images) and
test_acc_avg (the same with the authors' running average of the critic's weights, --average-rate) every
--eval-every iterations and at the end. --baseline trains the critic by the CE term alone on the same
kind of labelled batches.

    /usr/bin/python3 -B tools/reference/ssgan_torch.py --iters 2000 --seed 1 --out runs/ssgan-torch
    /usr/bin/python3 -B tools/reference/ssgan_torch.py --iters 2000 --seed 1 --baseline --out runs/ssgan-torch-baseline
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

sys.path.insert(0, os.path.dirname(__file__))
from conditional_torch import load_fashion_mnist, parser, real_batches, set_trainable  # noqa: E402

NOISE = 100
CLASSES = 10


def wn_linear(inputs, outputs, std=0.05, learn_length=True):
    layer = weight_norm(nn.Linear(inputs, outputs))
    with torch.no_grad():
        layer.weight_v.normal_(0.0, std)
        layer.weight_g.copy_(layer.weight_v.norm(dim=1, keepdim=True))  # g = ‖v‖ per output unit
        layer.bias.zero_()
    if not learn_length:  # the authors' hidden layers: a length set by the data-dependent init, never trained
        g = layer.weight_g.detach().clone()
        del layer.weight_g
        layer.register_buffer("weight_g", g)
    return layer


class GaussianNoise(nn.Module):
    def __init__(self, sigma):
        super().__init__()
        self.sigma = sigma

    def forward(self, x):
        return x + self.sigma * torch.randn_like(x) if self.training else x


def generator(dim):
    h = 500 * dim // 64
    return nn.Sequential(nn.Linear(NOISE, h), nn.BatchNorm1d(h), nn.Softplus(),
                         nn.Linear(h, h), nn.BatchNorm1d(h), nn.Softplus(),
                         wn_linear(h, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))


class Critic(nn.Module):
    def __init__(self, dim, authors_init=False):
        super().__init__()
        widths = [w * dim // 64 for w in (1000, 500, 250, 250, 250)]
        std = 0.1 if authors_init else 0.05
        layers, inputs = [nn.Flatten(), GaussianNoise(0.3)], 784
        for i, w in enumerate(widths):
            if i > 0:
                layers.append(GaussianNoise(0.5))
            layers += [wn_linear(inputs, w, std, learn_length=not authors_init), nn.ReLU()]
            inputs = w
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(GaussianNoise(0.5), wn_linear(inputs, CLASSES, std))

    @torch.no_grad()
    def initialize_from_data(self, x):
        """The authors' data-dependent initialisation (nn.DenseLayer, init=True): layer by layer, in
        training mode (noise on), each weight-normalized layer's pre-activations x·(v/‖v‖)ᵀ over the
        batch get mean 0 and standard deviation 1: g = 1/σ, b = −μ/σ."""
        for layer in list(self.body) + list(self.head):
            if hasattr(layer, "weight_v"):
                v = layer.weight_v
                pre = x @ (v / v.norm(dim=1, keepdim=True)).t()
                mean = pre.mean(0)
                std = (pre - mean).square().mean(0).sqrt()
                layer.weight_g.copy_((1 / std).unsqueeze(1))
                layer.bias.copy_(-mean / std)
                x = (pre - mean) / std
            else:
                x = layer(x)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def unsupervised_loss(real_logits, fake_logits):
    real, fake = torch.logsumexp(real_logits, 1), torch.logsumexp(fake_logits, 1)
    return 0.5 * (F.softplus(real) - real).mean() + 0.5 * F.softplus(fake).mean()


def feature_matching(fake_features, real_features):
    return (fake_features.mean(0) - real_features.mean(0)).square().mean()


def balanced_subset(labels, per_class, generator):
    order = torch.randperm(len(labels), generator=generator)
    return torch.cat([order[labels[order] == c][:per_class] for c in range(CLASSES)])


def ssgan_iteration(G, D, optG, optD, x_lab, y_lab, x, w):
    n = len(x)
    set_trainable(D, True)  # parameters only: the authors' fixed lengths are buffers
    optD.zero_grad()
    supervised = F.cross_entropy(D(x_lab), y_lab)
    with torch.no_grad():
        fake = G(2 * torch.rand(n, NOISE) - 1)
    loss = supervised + w * unsupervised_loss(D(x), D(fake))
    loss.backward()
    optD.step()

    set_trainable(D, False)
    optG.zero_grad()
    g_loss = feature_matching(D.features(G(2 * torch.rand(n, NOISE) - 1)), D.features(x))
    g_loss.backward()
    optG.step()
    return loss.item(), g_loss.item()


class WeightAverage:
    """The authors' average of the critic's weights, a <- a + r*(p - a) after every critic step from a = 0
    (train_mnist_feature_matching.py: r = 1e-4), read divided by 1 - (1 - r)^t so that a short run is not
    pulled towards 0 (the same as theirs once t >> 1/r)."""

    def __init__(self, module, rate):
        self.module, self.rate, self.steps = module, rate, 0
        self.averages = [torch.zeros_like(p) for p in module.parameters()]

    def update(self):
        self.steps += 1
        with torch.no_grad():
            for a, p in zip(self.averages, self.module.parameters()):
                a.add_(p - a, alpha=self.rate)

    def accuracy(self, images, labels):
        saved = [p.detach().clone() for p in self.module.parameters()]
        correction = 1 - (1 - self.rate) ** self.steps
        with torch.no_grad():
            for a, p in zip(self.averages, self.module.parameters()):
                p.copy_(a / correction)
        try:
            return test_accuracy(self.module, images, labels)
        finally:
            with torch.no_grad():
                for s, p in zip(saved, self.module.parameters()):
                    p.copy_(s)


def test_accuracy(D, images, labels):
    D.eval()
    with torch.no_grad():
        right = sum((D(images[i:i + 500]).argmax(1) == labels[i:i + 500]).sum().item() for i in range(0, len(images), 500))
    D.train()
    return right / len(images)


def main():
    p = parser(__doc__.splitlines()[0])
    p.set_defaults(batch_size=100, lr=3e-3)
    p.add_argument("--labels-per-class", type=int, default=100)
    p.add_argument("--unlabelled-weight", type=float, default=1.0)
    p.add_argument("--baseline", action="store_true", help="train the critic on the labelled batches alone (CE), no GAN")
    p.add_argument("--average-rate", type=float, default=1e-4, help="rate of the critic's weight average (test_acc_avg); 0: none")
    p.add_argument("--critic-init", choices=["authors", "norm"], default="authors",
                   help="as gfs's --critic-init: authors (default) — v ~ N(0, 0.1²), a data-dependent init on 500 training images "
                        "(pre-activations of mean 0, std 1, noise on), the hidden layers' lengths g fixed by it (learned in the last layer "
                        "only); norm — v ~ N(0, 0.05²), g = ‖v‖, every g learned")
    args = p.parse_args()
    if not 0 <= args.average_rate < 1:
        p.error(f"--average-rate must be in [0, 1) (got {args.average_rate})")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    authors = args.critic_init == "authors"
    G, D = generator(args.dim), Critic(args.dim, authors)
    images, labels = load_fashion_mnist(args.data)
    if authors:
        first = torch.randperm(len(images), generator=torch.Generator().manual_seed(args.seed + 23))[:500]
        D.initialize_from_data(images[first])
    test_images, test_labels = load_fashion_mnist(args.data, "t10k")
    subset = balanced_subset(labels, args.labels_per_class, torch.Generator().manual_seed(args.seed + 19))
    assert len(subset) == CLASSES * args.labels_per_class, "a class holds fewer images than --labels-per-class"
    labelled = real_batches(images[subset], labels[subset], args.batch_size)
    unlabelled = real_batches(images, labels, args.batch_size)
    betas = (args.beta1, args.beta2)
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=betas)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr, betas=betas)
    average = WeightAverage(D, args.average_rate) if args.average_rate > 0 else None
    os.makedirs(args.out, exist_ok=True)
    measure_s, start = 0.0, time.time()
    with open(os.path.join(args.out, "metrics.jsonl"), "w") as metrics:
        for it in range(1, args.iters + 1):
            x_lab, y_lab = next(labelled)
            if args.baseline:
                optD.zero_grad()
                loss = F.cross_entropy(D(x_lab), y_lab)
                loss.backward()
                optD.step()
            else:
                x, _ = next(unlabelled)  # labels dropped
                ssgan_iteration(G, D, optG, optD, x_lab, y_lab, x, args.unlabelled_weight)
            if average:
                average.update()
            if (args.eval_every and it % args.eval_every == 0) or it == args.iters:
                t = time.time()
                line = {"iter": it, "test_acc": round(test_accuracy(D, test_images, test_labels), 6)}
                if average:
                    line["test_acc_avg"] = round(average.accuracy(test_images, test_labels), 6)
                line["time_s"] = round(t - start - measure_s, 3)
                measure_s += time.time() - t
                metrics.write(json.dumps(line) + "\n")
                metrics.flush()
                print(json.dumps(line), flush=True)
    seconds = time.time() - start - measure_s
    print(f"ssgan{' baseline' if args.baseline else ''}: {args.iters} iterations in {seconds:.1f} s, {seconds / args.iters:.4f} s/iter")


if __name__ == "__main__":
    main()
