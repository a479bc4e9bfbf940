"""PyTorch peer of `gfs train biggan`: BigGAN at 28×28 with gfs's networks and settings.

Networks (src/GanFromScratch.Gan/Networks/BigGanNetworks.cs), ch = DIM/2: G has a shared class
embedding (32), z ∈ ℝ⁹⁶ ~ N(0, 1) in three chunks of 32 (skip-z): the first → Linear → [4ch, 7, 7], then
two residual blocks (CBN, ReLU, ×2 nearest, conv 3×3, CBN, ReLU, conv 3×3, plus ×2 and a 1×1 conv of
the input) whose conditional batch norms take [embedding, chunk]: x̂·(1 + Linear(e)) + Linear(e); then
batch norm, ReLU, conv 3×3 to one channel, sigmoid. D: three residual blocks 28 → 14 → 7 → 7 (the first
without its leading ReLU; conv 3×3, ReLU, conv 3×3, average pooling but in the last; 1×1 conv
shortcuts), ReLU, sum over positions, ψ(h) + ⟨embed(y), h⟩. PyTorch's default initialisation, as gfs's.
Spectral normalization (torch.nn.utils.spectral_norm) on every Linear and Conv2d of both networks.

Game: hinge loss, two critic steps per generator step (each on its own real batch), the generator's
loss plus β‖WWᵀ ⊙ (1 − I)‖²_F over its Linear and Conv2d weights (β 1e-4, the weights before spectral
normalization), Adam G 5e-5, D 2e-4, β (0, 0.999), batch 50, and a moving average of G's whole state
(decay 0.999) after every generator step. Writes OUT/log.jsonl and, from the averaged and the learning
generator, OUT/samples.npy and OUT/samples_raw.npy (uint8, with .labels.npy) for `gfs eval --samples`.

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/reference/biggan_torch.py --iters 2000 --dim 32 --out runs/biggan-torch
"""
import copy
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from conditional_torch import CLASSES, load_fashion_mnist, real_batches, set_trainable, write_samples  # noqa: E402

NOISE, CHUNKS, EMBED = 96, 3, 32
CHUNK = NOISE // CHUNKS


class CBN(nn.Module):
    def __init__(self, channels, condition):
        super().__init__()
        self.gain, self.bias = nn.Linear(condition, channels), nn.Linear(condition, channels)
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x, e):
        h = F.batch_norm(x, self.running_mean, self.running_var, None, None, self.training, 0.1, 1e-5)
        shape = (x.shape[0], x.shape[1]) + (1,) * (x.dim() - 2)
        return h * (1 + self.gain(e)).view(shape) + self.bias(e).view(shape)


class GBlock(nn.Module):
    def __init__(self, cin, cout, condition):
        super().__init__()
        self.bn1, self.conv1 = CBN(cin, condition), nn.Conv2d(cin, cout, 3, padding=1)
        self.bn2, self.conv2 = CBN(cout, condition), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1)

    def forward(self, x, e):
        h = self.conv1(F.interpolate(F.relu(self.bn1(x, e)), scale_factor=2, mode="nearest"))
        h = self.conv2(F.relu(self.bn2(h, e)))
        return h + self.skip(F.interpolate(x, scale_factor=2, mode="nearest"))


class Generator(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.ch = ch
        self.shared = nn.Embedding(CLASSES, EMBED)
        self.input = nn.Linear(CHUNK, 4 * ch * 7 * 7)
        self.block1, self.block2 = GBlock(4 * ch, 2 * ch, EMBED + CHUNK), GBlock(2 * ch, ch, EMBED + CHUNK)
        self.bn, self.output = nn.BatchNorm2d(ch), nn.Conv2d(ch, 1, 3, padding=1)

    def forward(self, z, y):
        e = self.shared(y)
        h = self.input(z[:, :CHUNK]).view(-1, 4 * self.ch, 7, 7)
        h = self.block1(h, torch.cat([e, z[:, CHUNK:2 * CHUNK]], 1))
        h = self.block2(h, torch.cat([e, z[:, 2 * CHUNK:]], 1))
        return torch.sigmoid(self.output(F.relu(self.bn(h))))


class DBlock(nn.Module):
    def __init__(self, cin, cout, preactivate, down):
        super().__init__()
        self.preactivate, self.down = preactivate, down
        self.conv1, self.conv2, self.skip = nn.Conv2d(cin, cout, 3, padding=1), nn.Conv2d(cout, cout, 3, padding=1), nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv2(F.relu(self.conv1(F.relu(x) if self.preactivate else x)))
        s = self.skip(x)
        return F.avg_pool2d(h, 2) + F.avg_pool2d(s, 2) if self.down else h + s


class Critic(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.block1, self.block2, self.block3 = DBlock(1, ch, False, True), DBlock(ch, 2 * ch, True, True), DBlock(2 * ch, 4 * ch, True, False)
        self.psi, self.embed = nn.Linear(4 * ch, 1), nn.Embedding(CLASSES, 4 * ch)

    def forward(self, x, y):
        h = F.relu(self.block3(self.block2(self.block1(x)))).sum([2, 3])
        return self.psi(h) + (self.embed(y) * h).sum(1, keepdim=True)


def spectral_normalize(net):
    for name, module in list(net.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, (nn.Linear, nn.Conv2d)):
                setattr(module, child_name, nn.utils.spectral_norm(child))
    return net


def ortho(net, beta):
    total = 0.0
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            w = m.weight_orig.view(m.weight_orig.shape[0], -1)
            total = total + beta * ((w @ w.t()) * (1 - torch.eye(w.shape[0]))).pow(2).sum()
    return total


def players(dim):
    """G and D (ch = DIM/2, spectral normalization on both), the averaged copy of G and the two Adams."""
    ch = max(1, dim // 2)
    G, D = spectral_normalize(Generator(ch)), spectral_normalize(Critic(ch))
    optG = torch.optim.Adam(G.parameters(), lr=5e-5, betas=(0.0, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.0, 0.999))
    return G, D, copy.deepcopy(G), optG, optD


def biggan_iteration(G, D, G_ema, optG, optD, next_real, n, critic_steps=2, beta=1e-4, decay=0.999):
    """One iteration: `critic_steps` hinge steps of D, each on its own real batch `next_real()`, one
    generator step (hinge plus orthogonal regularization), then the moving average of G's state."""
    set_trainable(D, True)
    for _ in range(critic_steps):
        x, y = next_real()
        optD.zero_grad()
        yf = torch.randint(0, CLASSES, (n,))
        with torch.no_grad():
            fake = G(torch.randn(n, NOISE), yf)
        d_loss = F.relu(1 - D(x, y)).mean() + F.relu(1 + D(fake, yf)).mean()
        d_loss.backward()
        optD.step()
    set_trainable(D, False)
    optG.zero_grad()
    yf = torch.randint(0, CLASSES, (n,))
    g_loss = -D(G(torch.randn(n, NOISE), yf), yf).mean()
    (g_loss + ortho(G, beta)).backward()
    optG.step()
    with torch.no_grad():
        source = G.state_dict()
        for key, value in G_ema.state_dict().items():
            if value.dtype.is_floating_point:
                value.mul_(decay).add_(source[key], alpha=1 - decay)
            else:
                value.copy_(source[key])
    return d_loss, g_loss


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", required=True)
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--log-every", type=int, default=100)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    G, D, G_ema, optG, optD = players(args.dim)
    images, labels = load_fashion_mnist(args.data)
    batches = real_batches(images, labels, args.batch_size)
    n, start = args.batch_size, time.time()
    with open(os.path.join(args.out, "log.jsonl"), "w") as log:
        for it in range(1, args.iters + 1):
            d_loss, g_loss = biggan_iteration(G, D, G_ema, optG, optD, lambda: next(batches), n)
            if it % args.log_every == 0:
                log.write(json.dumps({"iter": it, "critic_loss": d_loss.item(), "g_loss": g_loss.item(), "time_s": round(time.time() - start, 3)}) + "\n")
                log.flush()
    seconds = time.time() - start
    write_samples(G_ema, args.samples, os.path.join(args.out, "samples"), args.seed, noise=NOISE)
    write_samples(G, args.samples, os.path.join(args.out, "samples_raw"), args.seed, noise=NOISE)
    print(f"biggan: {args.iters} iterations in {seconds:.1f} s, {seconds / max(args.iters, 1):.4f} s/iter")


if __name__ == "__main__":
    main()
