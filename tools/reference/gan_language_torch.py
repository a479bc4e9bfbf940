"""PyTorch peer of `gfs train wgan-gp --dataset text` and `gfs train gan --dataset text`: the WGAN-GP
paper's character-level language model (Gulrajani et al. 2017, section 5.4; the authors' gan_language.py)
with gfs's networks, settings and measure, to compare with gfs at equal iterations.

The corpus is prepared by gfs's rules (src/GanFromScratch.Gan/Data/TextCorpus.cs): Debian's fortunes
(every file of /usr/share/games/fortunes but art and ascii-art, the % lines dropped) or --data FILE, one
sample per line, whitespace runs to one space, control characters dropped, empty lines skipped, cut or
padded with ` to 32 characters; a vocabulary of the --vocab most frequent characters, index 0 unknown.
The lines are shuffled with NumPy's generator of --seed (gfs shuffles with its Philox stream, so the two
hold out different tenths of the same corpus) and the first tenth is held out. Every --eval-every
iterations, 640 lines from fixed noise, read by their most likely character at each position, are
measured by js1..js4 against the held-out text (language_helpers.NgramLanguageModel.js_with); the
floor is the same for the first 640 training lines.

Networks (gfs's TextNetworks.cs, PyTorch's default initialisation): generator z[128] -> Linear -> [DIM, 32]
-> 5 residual blocks (ReLU, Conv1d k5, ReLU, Conv1d k5; x + 0.3 res) -> Conv1d k1 to V -> softmax over V;
critic Conv1d k1 (V -> DIM) -> 5 residual blocks -> Linear(32 DIM -> 1). No batch norm.

Writes OUT/log.jsonl (one line per evaluation: iter, time_s, ms_per_iter, critic_w, js1..js4) and
OUT/samples_iter_NNNNNN.txt (64 lines).

    /usr/bin/python3 tools/reference/gan_language_torch.py --loss wgan-gp --iters 300 --out runs/text-torch
    /usr/bin/python3 tools/reference/gan_language_torch.py --loss gan --critic-iters 1 --iters 300 --out runs/text-torch-gan
"""
import argparse
import collections
import json
import math
import os
import time
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEQ_LEN = 32
PAD = "`"
UNKNOWN = "\ufffd"
FORTUNES = "/usr/share/games/fortunes"
EVAL_LINES = 640


def normalize(line):
    out, space = [], False
    for ch in line:
        if ch.isspace():
            space = len(out) > 0
            continue
        if unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        if space:
            out.append(" ")
        space = False
        out.append(ch)
    return "".join(out)


def read_lines(path):
    if path is None:
        files = sorted(f for f in os.listdir(FORTUNES) if "." not in f and f not in ("art", "ascii-art"))
        for name in files:
            with open(os.path.join(FORTUNES, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.strip() != "%":
                        yield line
    else:
        with open(path, encoding="utf-8", errors="replace") as f:
            yield from f


def load_corpus(path, vocab_limit, seed):
    lines = [list(n)[:SEQ_LEN] for n in (normalize(l) for l in read_lines(path)) if n]
    counts = collections.Counter()
    for line in lines:
        counts.update(line)
        if len(line) < SEQ_LEN:
            counts[PAD] += SEQ_LEN - len(line)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: vocab_limit - 1]
    vocabulary = [UNKNOWN] + [c for c, _ in ordered]
    index = {c: i for i, c in enumerate(vocabulary)}
    encoded = np.array([[index.get(line[t] if t < len(line) else PAD, 0) for t in range(SEQ_LEN)] for line in lines], dtype=np.int64)
    np.random.default_rng(seed).shuffle(encoded)
    return encoded, vocabulary


class NgramModel:
    """language_helpers.NgramLanguageModel, over lines of character indices."""

    def __init__(self, n, lines):
        self.n = n
        self.counts = collections.Counter(tuple(l[i:i + n]) for l in lines for i in range(len(l) - n + 1))
        self.total = sum(self.counts.values())

    def log_likelihood(self, g):
        c = self.counts.get(g)
        return -np.inf if c is None else np.log(c) - np.log(self.total)

    def js_with(self, p):
        log_p = np.array([p.log_likelihood(g) for g in p.counts])
        log_q = np.array([self.log_likelihood(g) for g in p.counts])
        log_m = np.logaddexp(log_p - np.log(2), log_q - np.log(2))
        kl_p_m = np.sum(np.exp(log_p) * (log_p - log_m))
        log_p = np.array([p.log_likelihood(g) for g in self.counts])
        log_q = np.array([self.log_likelihood(g) for g in self.counts])
        log_m = np.logaddexp(log_p - np.log(2), log_q - np.log(2))
        kl_q_m = np.sum(np.exp(log_q) * (log_q - log_m))
        return 0.5 * (kl_p_m + kl_q_m) / np.log(2)


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv1 = nn.Conv1d(dim, dim, 5, padding=2)
        self.conv2 = nn.Conv1d(dim, dim, 5, padding=2)

    def forward(self, x):
        return x + 0.3 * self.conv2(F.relu(self.conv1(F.relu(x))))


class Generator(nn.Module):
    def __init__(self, dim, vocabulary, noise=128):
        super().__init__()
        self.dim = dim
        self.input = nn.Linear(noise, SEQ_LEN * dim)
        self.blocks = nn.Sequential(*[ResidualBlock(dim) for _ in range(5)])
        self.output = nn.Conv1d(dim, vocabulary, 1)

    def forward(self, z):
        h = self.input(z).view(-1, self.dim, SEQ_LEN)
        return F.softmax(self.output(self.blocks(h)).transpose(1, 2), dim=-1)  # [B, 32, V]


class Critic(nn.Module):
    def __init__(self, dim, vocabulary):
        super().__init__()
        self.input = nn.Conv1d(vocabulary, dim, 1)
        self.blocks = nn.Sequential(*[ResidualBlock(dim) for _ in range(5)])
        self.output = nn.Linear(SEQ_LEN * dim, 1)

    def forward(self, x):
        h = self.blocks(self.input(x.transpose(1, 2)))
        return self.output(h.reshape(x.shape[0], -1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="a UTF-8 text file, one sample per line (default: the fortunes)")
    p.add_argument("--out", required=True)
    p.add_argument("--loss", choices=["wgan-gp", "gan"], default="wgan-gp")
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--vocab", type=int, default=2048)
    p.add_argument("--critic-iters", type=int, default=None, help="default: 10 for wgan-gp, 1 for gan (gfs's)")
    p.add_argument("--lam", type=float, default=10.0)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-every", type=int, default=50)
    args = p.parse_args()
    critic_iters = args.critic_iters or (10 if args.loss == "wgan-gp" else 1)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    lines, vocabulary = load_corpus(args.data, args.vocab, args.seed)
    held = max(1, len(lines) // 10)
    heldout, train = lines[:held], lines[held:]
    V = len(vocabulary)
    models = [NgramModel(n, heldout.tolist()) for n in range(1, 5)]
    floor = [NgramModel(n, train[:EVAL_LINES].tolist()).js_with(models[n - 1]) for n in range(1, 5)]
    print(f"{len(lines)} lines ({len(train)} to train on, {held} held out), {V} characters; floor js1..js4: "
          + " ".join(f"{f:.4f}" for f in floor), flush=True)

    G, D = Generator(args.dim, V), Critic(args.dim, V)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.9))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.9))
    eye = torch.eye(V)
    fixed = torch.randn(EVAL_LINES, 128, generator=torch.Generator().manual_seed(args.seed + 1000))
    order, position = np.random.default_rng(args.seed + 1).permutation(len(train)), 0

    def next_real():
        nonlocal order, position
        if position + args.batch_size > len(train):
            order, position = np.random.default_rng(args.seed + 2 + position).permutation(len(train)), 0
        batch = train[order[position:position + args.batch_size]]
        position += args.batch_size
        return eye[torch.from_numpy(batch)]  # one-hot [B, 32, V]

    log = open(os.path.join(args.out, "log.jsonl"), "w")
    start, window, since = time.perf_counter(), time.perf_counter(), 0
    for it in range(1, args.iters + 1):
        since += 1
        for p_ in D.parameters():
            p_.requires_grad_(True)
        for _ in range(critic_iters):
            real = next_real()
            with torch.no_grad():
                fake = G(torch.randn(args.batch_size, 128))
            optD.zero_grad()
            if args.loss == "wgan-gp":
                w = D(fake).mean() - D(real).mean()
                alpha = torch.rand(args.batch_size, 1, 1)
                x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
                grad, = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
                penalty = args.lam * ((grad.reshape(args.batch_size, -1).norm(dim=1) - 1) ** 2).mean()
                loss = w + penalty
            else:
                w = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
                loss = w
            loss.backward()
            optD.step()
        for p_ in D.parameters():
            p_.requires_grad_(False)
        optG.zero_grad()
        scores = D(G(torch.randn(args.batch_size, 128)))
        g_loss = -scores.mean() if args.loss == "wgan-gp" else F.softplus(-scores).mean()
        g_loss.backward()
        optG.step()
        if it % args.eval_every == 0 or it == args.iters:
            ms = 1000 * (time.perf_counter() - window) / since  # training alone: the evaluation is outside the window
            G.eval()
            with torch.no_grad():
                generated = G(fixed).argmax(-1).tolist()
            G.train()
            js = [NgramModel(n, generated).js_with(models[n - 1]) for n in range(1, 5)]
            text = ["".join(vocabulary[c] for c in line if vocabulary[c] != PAD).rstrip() for line in generated[:64]]
            with open(os.path.join(args.out, f"samples_iter_{it:06d}.txt"), "w", encoding="utf-8") as f:
                f.write("".join(t + "\n" for t in text))
            row = {"iter": it, "time_s": round(time.perf_counter() - start, 3), "ms_per_iter": round(ms, 1),
                   "critic_w": round(-w.item(), 6), **{f"js{n}": round(float(js[n - 1]), 6) for n in range(1, 5)}}
            if it == args.eval_every:
                row.update({f"js{n}_floor": round(float(floor[n - 1]), 6) for n in range(1, 5)})
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(json.dumps(row), "|", text[0], "|", text[1], flush=True)
            window, since = time.perf_counter(), 0


if __name__ == "__main__":
    main()
