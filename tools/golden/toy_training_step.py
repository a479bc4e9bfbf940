"""Golden data: one generator iteration of gan_toy.py's training, for each variant, in PyTorch.

Small networks (gan_toy.py's MLP with DIM 16), batch 8. The script records the initial weights
and every random input (5 or 1 real batches, noise, α for the penalty, the generator's noise),
runs one generator iteration exactly as gan_toy.py does (critic steps with the penalty or with
clipping, then a generator step with the critic frozen), and records the losses and all weights
after it. The C# test feeds the same inputs to ToyTrainer.CriticStep/GeneratorStep.

    /usr/bin/python3 tools/golden/toy_training_step.py
Writes tests/GanFromScratch.Tests/Golden/toy_training_step.json.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)
DIM, B = 16, 8


def mlp(out):
    return nn.Sequential(nn.Linear(2, DIM), nn.ReLU(True), nn.Linear(DIM, DIM), nn.ReLU(True),
                         nn.Linear(DIM, DIM), nn.ReLU(True), nn.Linear(DIM, out))


def flat(module):
    return {k: v.detach().flatten().tolist() for k, v in module.state_dict().items()}


# variant: (optimizer, lr, critic steps, lambda, clip)
VARIANTS = {
    "wgan-gp": ("adam", 1e-2, 5, 10.0, None),
    "wgan": ("rmsprop", 1e-2, 5, None, 0.05),
    "gan": ("adam", 1e-2, 1, None, None),
    "lsgan": ("adam", 1e-2, 1, None, None),
    # The loss-sensitive GAN with gfs's toy defaults (softplus loss, margin τ = 1, the penalty λ 0.1 on the critic's
    # output, Adam β (0.5, 0.999)) and a weight decay of 1e-2 on both players, so that every term matters.
    "loss-sensitive": ("adam", 1e-2, 2, 0.1, None),
}
LS_TAU, LS_DECAY = 1.0, 1e-2
cases = []
for name, (opt_name, lr, critic_iters, lam, clip) in VARIANTS.items():
    G, D = mlp(2), mlp(1)
    for m in list(G.modules()) + list(D.modules()):
        if isinstance(m, nn.Linear):
            m.weight.data.normal_(0.0, 0.3)  # larger than gan_toy.py's 0.02, so every term matters
            m.bias.data.normal_(0.0, 0.1)
    init = {"generator": flat(G), "critic": flat(D)}
    if name == "loss-sensitive":
        optD = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999), weight_decay=LS_DECAY)
        optG = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999), weight_decay=LS_DECAY)
    elif opt_name == "adam":
        optD = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.9))
        optG = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.9))
    else:
        optD = torch.optim.RMSprop(D.parameters(), lr=lr)
        optG = torch.optim.RMSprop(G.parameters(), lr=lr)
    steps = []
    for _ in range(critic_iters):
        real, noise, alpha = torch.randn(B, 2), torch.randn(B, 2), torch.rand(B, 1)
        D.zero_grad()
        with torch.no_grad():
            fake = G(noise)
        r, f = D(real), D(fake)
        if name == "gan":
            loss = F.softplus(-r).mean() + F.softplus(f).mean()
        elif name == "lsgan":
            loss = 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean()
        elif name == "loss-sensitive":
            margin = LS_TAU * (real - fake).abs().sum(1, keepdim=True)
            loss = F.relu(margin + F.softplus(r) - F.softplus(f)).mean()
        else:
            loss = f.mean() - r.mean()
        total, penalty = loss, 0.0
        if lam is not None:
            x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            grad = torch.autograd.grad(D(x), x, torch.ones(B, 1), create_graph=True)[0]
            p = lam * ((grad.norm(2, dim=1) - 1) ** 2).mean()
            total, penalty = loss + p, p.item()
        total.backward()
        optD.step()
        if clip is not None:
            for p_ in D.parameters():
                p_.data.clamp_(-clip, clip)
        steps.append({"real": real.flatten().tolist(), "noise": noise.flatten().tolist(), "alpha": alpha.flatten().tolist(),
                      "critic_w": -loss.item(), "loss": total.item(), "penalty": penalty})
    for p_ in D.parameters():
        p_.requires_grad_(False)
    G.zero_grad()
    g_noise = torch.randn(B, 2)
    s = D(G(g_noise))
    g_loss = (F.softplus(-s).mean() if name == "gan" else 0.5 * ((s - 1) ** 2).mean() if name == "lsgan"
              else F.softplus(s).mean() if name == "loss-sensitive" else -s.mean())
    g_loss.backward()
    optG.step()
    cases.append({"variant": name, "lr": lr, "critic_iters": critic_iters, "lambda": lam or 0.0, "clip": clip or 0.0,
                  "weight_decay": LS_DECAY if name == "loss-sensitive" else 0.0,
                  "init": init, "critic_steps": steps, "g_noise": g_noise.flatten().tolist(), "g_loss": g_loss.item(),
                  "after": {"generator": flat(G), "critic": flat(D)}})

path = os.path.join(os.path.dirname(__file__), "../../tests/GanFromScratch.Tests/Golden/toy_training_step.json")
with open(path, "w") as f:
    json.dump({"dim": DIM, "batch": B, "cases": cases}, f)
print("wrote", os.path.normpath(path), "with", torch.__version__)
