"""Golden data for the optimizer tests: ten steps of torch.optim.SGD, RMSprop and Adam.

Each case minimises L = sum(c * (p - t)^2) over two parameters (35 and 3 elements, so that
the C# kernels' vector loops and scalar tails both run). The gradient 2c(p - t) is simple
enough for the test to form it the same way, so any difference comes from the update rule.

Run with Debian's PyTorch:  /usr/bin/python3 tools/golden/optimizers.py
Writes tests/GanFromScratch.Tests/Golden/optimizers.json.
"""
import json
import os

import torch

torch.manual_seed(7)
shapes = [(5, 7), (3,)]
init = [torch.randn(s) for s in shapes]
target = [torch.randn(s) for s in shapes]
scale = [torch.rand(s) + 0.5 for s in shapes]

cases = [
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    ("rmsprop", dict(lr=0.01)),
    ("rmsprop", dict(lr=0.003, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("adam", dict(lr=1e-3)),
    ("adam", dict(lr=1e-4, betas=(0.5, 0.9))),
    ("adam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
]
factories = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}

out = {"shapes": shapes, "init": [p.flatten().tolist() for p in init],
       "target": [t.flatten().tolist() for t in target], "scale": [c.flatten().tolist() for c in scale], "cases": []}
for name, kwargs in cases:
    params = [p.clone().requires_grad_() for p in init]
    opt = factories[name](params, **kwargs)
    steps = []
    for _ in range(10):
        opt.zero_grad()
        loss = sum((c * (p - t) ** 2).sum() for p, t, c in zip(params, target, scale))
        loss.backward()
        opt.step()
        steps.append([p.detach().flatten().tolist() for p in params])
    args = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
    out["cases"].append({"optimizer": name, "args": args, "steps": steps})

path = os.path.join(os.path.dirname(__file__), "../../tests/GanFromScratch.Tests/Golden/optimizers.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path), "with", torch.__version__)
