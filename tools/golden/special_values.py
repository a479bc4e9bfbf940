"""Golden data for NaN, infinities and signed zeros: what PyTorch's ops give for them, forward
and backward, so that gfs's kernels follow the same semantics on every backend (a NaN weight must
reach the loss, as it does in PyTorch, not vanish inside a ReLU).

Each case: an op applied to the special inputs below, its output, and the gradient of sum(out)
(the backward rule at those inputs). Values are written as strings ("nan", "inf", "-inf", "-0.0",
or a number) because JSON has no NaN.

Run with Debian's PyTorch:  /usr/bin/python3 tools/golden/special_values.py
Writes tests/GanFromScratch.Tests/Golden/special_values.json.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

x = [float("nan"), float("-inf"), float("inf"), -0.0, 0.0, -1.0, 1.0, 0.5]

unary = {
    "relu": torch.relu,
    "leaky_relu_0.2": lambda t: F.leaky_relu(t, 0.2),
    "clamp_-0.5_0.5": lambda t: t.clamp(-0.5, 0.5),
    "abs": torch.abs,
    "neg": torch.neg,
    "square": torch.square,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
    "pow_-0.5": lambda t: t.pow(-0.5),
    "pow_2": lambda t: t.pow(2),
    "reciprocal": lambda t: 1 / t,
    "div_by_self": lambda t: t / t,
}


def text(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0.0"
    return repr(v)


cases = []
for name, f in unary.items():
    t = torch.tensor(x, requires_grad=True)
    y = f(t)
    (g,) = torch.autograd.grad(y.sum(), [t])
    cases.append({"name": name, "input": [text(v) for v in x], "output": [text(v) for v in y.tolist()],
                  "grad": [text(v) for v in g.tolist()]})

# Reductions over rows of [4, 3]: a NaN anywhere in a row makes its max and its sum NaN.
rows = [[1.0, float("nan"), 3.0], [float("-inf"), -1.0, -2.0], [float("inf"), 1.0, float("nan")], [-0.0, 0.0, -0.0]]
t = torch.tensor(rows)
reductions = {"amax": t.amax(1), "sum": t.sum(1)}
for name, y in reductions.items():
    cases.append({"name": name, "input": [text(v) for r in rows for v in r], "output": [text(v) for v in y.tolist()], "grad": []})

# The softmax family over rows of [5, 3]: a NaN makes its row NaN; logsumexp of a row with +inf is
# +inf and of a row of −inf is −inf (PyTorch sets an infinite maximum to 0 before shifting by it),
# while softmax and log_softmax shift by the maximum itself (inf − inf: NaN). The gradient is of
# Σ out·k with k = 1, 2, … so that softmax's (whose rows sum to 1) is not zero.
rows = [[1.0, float("nan"), 3.0], [float("-inf"), -1.0, -2.0], [float("inf"), 1.0, 2.0],
        [float("-inf"), float("-inf"), float("-inf")], [0.5, -0.0, 0.0]]
for name, f in {"logsumexp": lambda v: v.logsumexp(1), "log_softmax": lambda v: v.log_softmax(1), "softmax": lambda v: v.softmax(1)}.items():
    t = torch.tensor(rows, requires_grad=True)
    y = f(t)
    k = torch.arange(1.0, 1 + y.numel()).reshape(y.shape)
    (g,) = torch.autograd.grad((y * k).sum(), [t])
    cases.append({"name": name, "input": [text(v) for r in rows for v in r], "output": [text(v) for v in y.flatten().tolist()],
                  "grad": [text(v) for v in g.flatten().tolist()]})

# A linear layer and the activation after it (fused in gfs): one NaN weight reaches every output
# row through ReLU and LeakyReLU.
w = torch.tensor([[0.5, float("nan")], [1.0, -1.0]])
b = torch.tensor([0.1, -0.2])
inp = torch.tensor([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]])
for name, act in {"linear_relu": torch.relu, "linear_leaky_relu_0.2": lambda v: F.leaky_relu(v, 0.2)}.items():
    y = act(F.linear(inp, w, b))
    cases.append({"name": name, "input": [text(v) for v in inp.flatten().tolist()],
                  "weight": [text(v) for v in w.flatten().tolist()], "bias": [text(v) for v in b.tolist()],
                  "output": [text(v) for v in y.flatten().tolist()], "grad": []})

path = os.path.join(os.path.dirname(__file__), "../../tests/GanFromScratch.Tests/Golden/special_values.json")
with open(path, "w") as fh:
    json.dump(cases, fh)
print("wrote", os.path.normpath(path), "with", torch.__version__)
