"""PyTorch peer of `gfs train infogan`: InfoGAN (Chen et al. 2016) on Fashion-MNIST as gfs trains it.

The authors' MNIST launcher and networks, with gfs's settings, to compare with gfs at equal iterations.

Latent: noise z ~ U(−1, 1)⁶², a categorical code Cat(10) (one-hot) and 2 continuous codes U(−1, 1), side
by side into G (74 numbers). The critic's body feeds two heads, D (the real/fake logit) and Q (10 logits
for the categorical code, then the continuous codes' means, σ fixed at 1); it returns [D, Q], [n, 13].
One iteration: a critic step (GAN cross-entropy + the information term on the fake batch; body, D and Q
learn; Adam 2e-4), then a generator step (non-saturating loss + the information term; Adam 1e-3), β
(0.5, 0.999), batch 128, fresh noise and codes each step. As in gfs, --lr sets both rates unless
--lr-g / --lr-d are given. Data as tools/reference/conditional_torch.py (labels unused in training).

Writes OUT/log.jsonl (losses every --log-every iterations); OUT/metrics.jsonl (every --eval-every K
iterations and at the end; both networks in eval mode): mi, the categorical code's L_I = ln 10 − CE in
nats on 1,000 generated images, mi_cont, the continuous codes' E[½c² − ½(c − μ)²], and code_acc, the
code Q reads from the first --code-acc-images test images matched one to one to their classes, as an
accuracy; OUT/traversal.png (rows: the categorical code; columns: continuous code 1 from −2 to 2, code
2 at 0, one z) and OUT/samples.npy (uint8 [N, 28, 28], G in eval mode, categorical code of sample i =
i % 10, no labels file: the codes are not classes) for `gfs eval --samples`; with --eval-every K also
OUT/samples_iter_NNNNNN.npy every K iterations.

    /usr/bin/python3 -B tools/reference/infogan_torch.py --iters 2000 --seed 1 --out runs/infogan-torch
"""
import contextlib
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.dirname(__file__))
from conditional_torch import load_fashion_mnist, parser, real_batches, set_trainable  # noqa: E402

NOISE = 62
# The paper's leak ("leaky rate 0.1"), as gfs; the authors' code (regularized_gan.py) has 0.01.
LEAK = 0.1


# --- networks: the authors' MNIST ones (paper, table 1) ---------------------------------------

def infogan_init(net):
    """The authors' initialisation: every linear and convolution weight N(0, 0.02²), bias 0; batch norm
    scales N(1, 0.02²), shifts 0."""
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


class Generator(nn.Module):
    """G(z, c) = net([z, one_hot(c_cat), c_cont]): FC 16·DIM, FC 7·7·2·DIM (each BN, ReLU), then 4×4 stride-2
    transposed convolutions to DIM (14×14; BN, ReLU) and to 1 (28×28), sigmoid."""

    def __init__(self, dim, categories, continuous):
        super().__init__()
        self.categories = categories
        self.net = infogan_init(nn.Sequential(
            nn.Linear(NOISE + categories + continuous, 16 * dim), nn.BatchNorm1d(16 * dim), nn.ReLU(),
            nn.Linear(16 * dim, 7 * 7 * 2 * dim), nn.BatchNorm1d(7 * 7 * 2 * dim), nn.ReLU(),
            nn.Unflatten(1, (2 * dim, 7, 7)),
            nn.ConvTranspose2d(2 * dim, dim, 4, stride=2, padding=1), nn.BatchNorm2d(dim), nn.ReLU(),
            nn.ConvTranspose2d(dim, 1, 4, stride=2, padding=1), nn.Sigmoid()))

    def forward(self, z, c_cat, c_cont):
        return self.net(torch.cat([z, F.one_hot(c_cat, self.categories).float(), c_cont], dim=1))


class Critic(nn.Module):
    """One body, two heads: column 0 D's logit, then Q's outputs (the categorical logits, the continuous means)."""

    def __init__(self, dim, codes):
        super().__init__()
        self.body = infogan_init(nn.Sequential(
            nn.Conv2d(1, dim, 4, stride=2, padding=1), nn.LeakyReLU(LEAK),
            nn.Conv2d(dim, 2 * dim, 4, stride=2, padding=1), nn.BatchNorm2d(2 * dim), nn.LeakyReLU(LEAK),
            nn.Flatten(), nn.Linear(2 * dim * 7 * 7, 16 * dim), nn.BatchNorm1d(16 * dim), nn.LeakyReLU(LEAK)))
        self.d = infogan_init(nn.Linear(16 * dim, 1))
        self.q = infogan_init(nn.Sequential(
            nn.Linear(16 * dim, 2 * dim), nn.BatchNorm1d(2 * dim), nn.LeakyReLU(LEAK), nn.Linear(2 * dim, codes)))

    def forward(self, x):
        h = self.body(x)
        return torch.cat([self.d(h), self.q(h)], dim=1)


# --- the game ---------------------------------------------------------------------------------

def latent(n, args, rng=None):
    """z ~ U(−1, 1)⁶², c_cat ~ Cat(K) uniform, c_cont ~ U(−1, 1)^C."""
    z = 2 * torch.rand(n, NOISE, generator=rng) - 1
    c_cat = torch.randint(0, args.categories, (n,), generator=rng)
    c_cont = 2 * torch.rand(n, args.continuous_codes, generator=rng) - 1
    return z, c_cat, c_cont


def information_loss(out, c_cat, c_cont, args):
    """−L_I without its constant H(c), weighted: λ_cat·CE(Q's logits, c_cat) + λ_cont·½·Σ(c_cont − μ)²."""
    k = args.categories
    loss = args.lambda_cat * F.cross_entropy(out[:, 1:1 + k], c_cat)
    return loss + args.lambda_cont * 0.5 * (out[:, 1 + k:] - c_cont).square().sum(1).mean()


def infogan_iteration(G, D, optG, optD, x, args):
    """One critic step on the real batch x, then one generator step.
    Returns the critic's GAN loss, its information term, and G's loss (GAN + information)."""
    n = len(x)
    set_trainable(D, True)
    optD.zero_grad()
    z, c_cat, c_cont = latent(n, args)
    with torch.no_grad():
        fake = G(z, c_cat, c_cont)
    fake_out = D(fake)  # fake before real, as gfs (the order changes batch norm's running statistics)
    gan_loss = F.softplus(-D(x)[:, 0]).mean() + F.softplus(fake_out[:, 0]).mean()
    info_loss = information_loss(fake_out, c_cat, c_cont, args)
    (gan_loss + info_loss).backward()
    optD.step()

    set_trainable(D, False)
    optG.zero_grad()
    z, c_cat, c_cont = latent(n, args)
    out = D(G(z, c_cat, c_cont))
    g_loss = F.softplus(-out[:, 0]).mean() + information_loss(out, c_cat, c_cont, args)
    g_loss.backward()
    optG.step()
    return gan_loss.item(), info_loss.item(), g_loss.item()


# --- measures and pictures (both networks in eval mode, own random streams) ------------------

@contextlib.contextmanager
def evaluating(*nets):
    """nets in eval mode (batch norm's running statistics) under no_grad, then back in training mode."""
    for net in nets:
        net.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for net in nets:
            net.train()


def measure(G, D, test_images, test_labels, args, n=1000):
    """mi and mi_cont on n generated images (stream --seed + 1), code_acc on the test images."""
    k = args.categories
    with evaluating(G, D):
        z, c_cat, c_cont = latent(n, args, torch.Generator().manual_seed(args.seed + 1))
        out = D(G(z, c_cat, c_cont))
        codes = torch.cat([D(test_images[s:s + 500])[:, 1:1 + k].argmax(1) for s in range(0, len(test_images), 500)])
    mi = math.log(k) - F.cross_entropy(out[:, 1:1 + k], c_cat).item()
    mi_cont = (0.5 * c_cont.square() - 0.5 * (c_cont - out[:, 1 + k:]).square()).sum(1).mean().item()
    counts = np.zeros((k, 10))  # codes × classes
    np.add.at(counts, (codes.numpy(), test_labels.numpy()), 1)
    rows, cols = linear_sum_assignment(-counts)  # the best one-to-one renaming of codes to classes
    return mi, mi_cont, counts[rows, cols].sum() / max(len(test_labels), 1)


def write_samples(G, n, path, args):
    """n images from G in eval mode (stream --seed; categorical code of sample i = i % K) as uint8 [n, 28, 28] to path."""
    z, _, c_cont = latent(n, args, torch.Generator().manual_seed(args.seed))
    c_cat = torch.arange(n) % args.categories
    with evaluating(G):
        x = torch.cat([G(z[s:s + 500], c_cat[s:s + 500], c_cont[s:s + 500]) for s in range(0, n, 500)])
    np.save(path, torch.round(255 * x.clamp(0, 1)).to(torch.uint8).view(-1, 28, 28).numpy())  # half to even


def write_png(path, images, columns, scale=2, gap=2):
    """Images [n, h, w] in [0, 1] as a greyscale PNG grid like gfs's ImageGrid: each drawn at `scale`, with
    `gap`-pixel grey (128) gaps and border."""
    n, h, w = images.shape
    rows = -(-n // columns)
    cell_h, cell_w = h * scale + gap, w * scale + gap
    canvas = np.full((rows * cell_h + gap, columns * cell_w + gap), 128, np.uint8)
    pixels = np.round(255 * np.clip(np.where(np.isfinite(images), images, 0), 0, 1)).astype(np.uint8)
    for i, image in enumerate(pixels.repeat(scale, 1).repeat(scale, 2)):
        y0, x0 = gap + i // columns * cell_h, gap + i % columns * cell_w
        canvas[y0:y0 + h * scale, x0:x0 + w * scale] = image

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + row.tobytes() for row in canvas)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", canvas.shape[1], canvas.shape[0], 8, 0, 0, 0, 0)  # 8-bit greyscale
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write_traversal(G, path, args, columns=10):
    """The paper's traversal: row r the categorical code r, column j continuous code 1 at −2 + 4j/9, the
    other codes 0, one z for the whole grid (stream --seed + 2); G in eval mode."""
    k, n = args.categories, args.categories * columns
    z = (2 * torch.rand(1, NOISE, generator=torch.Generator().manual_seed(args.seed + 2)) - 1).expand(n, NOISE)
    c_cont = torch.zeros(n, args.continuous_codes)
    c_cont[:, 0] = torch.linspace(-2, 2, columns).repeat(k)
    with evaluating(G):
        x = G(z, torch.arange(k).repeat_interleave(columns), c_cont)
    write_png(path, x.view(-1, 28, 28).numpy(), columns)


# --- the training loop ------------------------------------------------------------------------

def main():
    p = parser(__doc__.splitlines()[0])
    p.set_defaults(batch_size=128, lr=None)
    p.add_argument("--lr-g", type=float, help="the generator's learning rate (default: --lr if given, else 1e-3)")
    p.add_argument("--lr-d", type=float, help="the critic's learning rate (default: --lr if given, else 2e-4)")
    p.add_argument("--noise", type=int, default=62, help="numbers of incompressible noise z (the paper's 62; gfs's --noise)")
    p.add_argument("--categories", type=int, default=10)
    p.add_argument("--continuous-codes", type=int, default=2)
    p.add_argument("--lambda-cat", type=float, default=1.0)
    p.add_argument("--lambda-cont", type=float, default=1.0)
    p.add_argument("--code-acc-images", type=int, default=10000, help="test images code_acc reads (the first N)")
    args = p.parse_args()
    globals()["NOISE"] = args.noise  # the module constant latent(), Generator and write_traversal read
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    lr_g = args.lr_g or args.lr or 1e-3
    lr_d = args.lr_d or args.lr or 2e-4

    os.makedirs(args.out, exist_ok=True)
    G = Generator(args.dim, args.categories, args.continuous_codes)
    D = Critic(args.dim, args.categories + args.continuous_codes)
    images, labels = load_fashion_mnist(args.data)
    test_images, test_labels = (t[:args.code_acc_images] for t in load_fashion_mnist(args.data, "t10k"))
    batches = real_batches(images, labels, args.batch_size)
    optG = torch.optim.Adam(G.parameters(), lr=lr_g, betas=(args.beta1, args.beta2))
    optD = torch.optim.Adam(D.parameters(), lr=lr_d, betas=(args.beta1, args.beta2))
    G.train()
    D.train()
    export_s = 0.0  # time spent measuring and writing samples, left out of time_s
    start = time.time()
    log, metrics = (open(os.path.join(args.out, name), "w") for name in ("log.jsonl", "metrics.jsonl"))
    with log, metrics:
        def evaluate(it):
            time_s = round(time.time() - start - export_s, 3)
            mi, mi_cont, code_acc = measure(G, D, test_images, test_labels, args)
            metrics.write(json.dumps({"iter": it, "mi": round(mi, 6), "mi_cont": round(mi_cont, 6),
                                      "code_acc": round(code_acc, 6), "time_s": time_s}) + "\n")
            metrics.flush()
            return mi, code_acc

        for it in range(1, args.iters + 1):
            x, _ = next(batches)
            d_loss, info_loss, g_loss = infogan_iteration(G, D, optG, optD, x, args)
            if it % args.log_every == 0:
                log.write(json.dumps({"iter": it, "critic_loss": d_loss, "info_loss": info_loss, "g_loss": g_loss,
                                      "time_s": round(time.time() - start - export_s, 3)}) + "\n")
                log.flush()
            if args.eval_every and it % args.eval_every == 0 and it < args.iters:
                t = time.time()
                evaluate(it)
                write_samples(G, args.samples, os.path.join(args.out, f"samples_iter_{it:06d}.npy"), args)
                export_s += time.time() - t
        seconds = time.time() - start - export_s
        mi, code_acc = evaluate(args.iters)
    if args.eval_every and args.iters % args.eval_every == 0:
        write_samples(G, args.samples, os.path.join(args.out, f"samples_iter_{args.iters:06d}.npy"), args)
    write_samples(G, args.samples, os.path.join(args.out, "samples.npy"), args)
    write_traversal(G, os.path.join(args.out, "traversal.png"), args)
    print(f"infogan: {args.iters} iterations in {seconds:.1f} s, {seconds / max(args.iters, 1):.4f} s/iter, "
          f"mi {mi:.4f} nats (max {math.log(args.categories):.4f}), code_acc {code_acc:.4f}")


if __name__ == "__main__":
    main()
