"""PyTorch peer of `gfs train loss-sensitive` (Qi 2017, the authors' lsgan.lua game) with gfs's networks and settings.

The critic's output f becomes a loss L(x) = relu(f(x)) or softplus(f(x)) ≥ 0; with the margin
Δ = τ·‖x − G(z)‖₁ of each pair of a real and a generated sample, the critic minimises
γ·mean L(x) + mean relu(Δ + L(x) − L(G(z))) and the generator mean L(G(z)); Adam with weight decay
wd (added to the gradients, as lsgan.lua) on both players, one critic step per generator step; on toy
data the Lipschitz regularity is instead a WGAN-GP penalty λ·(‖∇f(x̂)‖ − 1)² at interpolates (λ 0.1, no
weight decay), as gfs's toy defaults.

On toy data (--dataset 8gaussians): gan_toy.py's MLPs (tools/reference/gan_toy_torch.py), batch 256,
τ 1; prints gfs's toy measures (modes, hq, w1) every --eval-every iterations. On Fashion-MNIST: the
"dcgan" pair of tools/reference/conditional_torch.py without labels, batch 64, τ 0.0063; writes
OUT/log.jsonl and OUT/samples.npy for `gfs eval --samples`.

    OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/loss_sensitive_torch.py --dataset 8gaussians --iters 1800 --seed 1
    OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/loss_sensitive_torch.py --dataset fashion-mnist --iters 2000 --out runs/ls-torch
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import gan_toy_torch as toy  # noqa: E402
from conditional_torch import NOISE, critic_body, generator_body, parser, set_trainable, train  # noqa: E402

IMAGE_TAU = 0.0002 * 12288 * 2 / 784  # the authors' τ for 3·64·64 values in [−1, 1], rescaled to 784 in [0, 1]

p = parser(__doc__.splitlines()[0], out_required=False)  # toy runs print their measures
p.add_argument("--dataset", default="fashion-mnist", choices=["8gaussians", "fashion-mnist"])
p.add_argument("--tau", type=float, default=None, help="the margin's scale (default 1 on toy data, 0.0063 on images)")
p.add_argument("--gamma", type=float, default=0.0)
p.add_argument("--positive", default="softplus", choices=["softplus", "relu", "none"])
p.add_argument("--penalty", type=float, default=None,
               help="λ of a WGAN-GP penalty on the critic's output f at interpolates (default 0.1 on toy data, 0 on images)")
p.add_argument("--eval-every-toy", type=int, default=100)
p.set_defaults(lr=1e-4, weight_decay=None, batch_size=None, dim=None)
args = p.parse_args()
toy_data = args.dataset == "8gaussians"
tau = args.tau if args.tau is not None else (1.0 if toy_data else IMAGE_TAU)
args.batch_size = args.batch_size or (256 if toy_data else 64)
args.dim = args.dim or (512 if toy_data else 64)
if args.penalty is None:
    args.penalty = 0.1 if toy_data else 0.0
if args.weight_decay is None:
    args.weight_decay = 0.0 if toy_data else 5e-5
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)


def loss(f):
    return {"softplus": F.softplus, "relu": F.relu, "none": lambda t: t}[args.positive](f)


def step(G, D, optG, optD, x, noise):
    """One critic step on the real batch x, then one generator step. Returns the losses and the fraction of active hinges."""
    n = len(x)
    set_trainable(D, True)
    optD.zero_grad()
    with torch.no_grad():
        fake = G(torch.randn(n, noise))
    margin = tau * (x - fake).abs().flatten(1).sum(1, keepdim=True)
    real_loss, fake_loss = loss(D(x)), loss(D(fake))
    hinge = margin + real_loss - fake_loss
    d_loss = F.relu(hinge).mean()
    if args.gamma > 0:
        d_loss = args.gamma * real_loss.mean() + d_loss
    if args.penalty > 0:
        alpha = torch.rand(n, *([1] * (x.dim() - 1)))
        between = (alpha * x + (1 - alpha) * fake).requires_grad_(True)
        grad = torch.autograd.grad(D(between), between, torch.ones(n, 1), create_graph=True)[0]
        d_loss = d_loss + args.penalty * ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
    d_loss.backward()
    optD.step()

    set_trainable(D, False)
    optG.zero_grad()
    g_loss = loss(D(G(torch.randn(n, noise)))).mean()
    g_loss.backward()
    optG.step()
    return d_loss.item(), g_loss.item(), {"active": (hinge > 0).float().mean().item()}


if toy_data:
    G, D = toy.mlp(args.dim, 2), toy.mlp(args.dim, 1)
    adam = lambda net: torch.optim.Adam(net.parameters(), lr=args.lr, betas=(args.beta1, args.beta2), weight_decay=args.weight_decay)
    optG, optD = adam(G), adam(D)
    start = time.time()
    for it in range(1, args.iters + 1):
        d_loss, g_loss, extra = step(G, D, optG, optD, toy.real_batch(args.batch_size), 2)
        if it % args.eval_every_toy == 0:
            modes, hq, w1 = toy.measures(G)
            print(json.dumps({"iter": it, "time_s": round(time.time() - start, 1), "critic_loss": round(d_loss, 6), "g_loss": round(g_loss, 6),
                              **extra, "modes": modes, "hq": round(hq, 4), "w1": round(float(w1), 4)}), flush=True)
else:
    if args.out is None:
        sys.exit("--out is required on images")
    train(args, generator_body(NOISE, args.dim), critic_body(1, 1, args.dim),
          lambda G, D, optG, optD, x, y: step(G, D, optG, optD, x, NOISE), "loss-sensitive", conditional=False)
