"""Golden data for spectral normalization, against PyTorch's torch.nn.utils.spectral_norm.

For a Linear, a Conv2d and a ConvTranspose2d (whose output units are dimension 1 of its weight),
each with given weight W, bias b and starting vectors u, v (PyTorch's buffers weight_u, weight_v):
one forward in training mode (one power iteration) — the output, the updated u and v, σ̂; the
gradients of L = sum(out * w) for a fixed random w with respect to the input and W; and the second
derivatives, the gradients of M = sum(dL/dx * u_x) + sum(dL/dW * u_W) for fixed random u_x, u_W.
Then a forward in evaluation mode (u and v as they are). And for a 5×7 matrix its singular values
(torch.linalg.svdvals), which σ̂ approaches over power iterations.

Run with Debian's PyTorch:  /usr/bin/python3 tools/golden/spectral_norm.py
Writes tests/GanFromScratch.Tests/Golden/spectral_norm.json.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
torch.set_default_dtype(torch.float64)  # the reference in double; the C# side computes in float32

layers = [
    ("linear", lambda: nn.Linear(3, 4), (2, 3)),
    ("conv2d", lambda: nn.Conv2d(2, 3, 3, stride=1, padding=1), (2, 2, 4, 4)),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (2, 3, 3, 3)),
]

flat = lambda t: t.detach().flatten().tolist()
cases = []
for name, make, input_shape in layers:
    m = nn.utils.spectral_norm(make())
    W = m.weight_orig.detach().clone()
    u0, v0 = m.weight_u.clone(), m.weight_v.clone()
    x = torch.randn(input_shape, requires_grad=True)
    m.train()
    y = m(x)
    u1, v1 = m.weight_u.clone(), m.weight_v.clone()
    dim = 1 if isinstance(m, nn.ConvTranspose2d) else 0
    mat = W.transpose(0, dim).reshape(W.shape[dim], -1) if dim else W.reshape(W.shape[0], -1)
    sigma = torch.dot(u1, mat @ v1)
    w = torch.randn(y.shape)
    ux, uw = torch.randn(x.shape), torch.randn(W.shape)
    gx, gw = torch.autograd.grad((y * w).sum(), [x, m.weight_orig], create_graph=True)
    sx, sw = torch.autograd.grad((gx * ux).sum() + (gw * uw).sum(), [x, m.weight_orig])
    m.eval()
    with torch.no_grad():
        y_eval = m(x)
    cases.append({"name": name, "weight_shape": list(W.shape), "weight": flat(W), "bias": flat(m.bias),
                  "u0": flat(u0), "v0": flat(v0), "input_shape": list(input_shape), "input": flat(x),
                  "output_shape": list(y.shape), "output": flat(y), "u1": flat(u1), "v1": flat(v1), "sigma": sigma.item(),
                  "w": flat(w), "u_input": flat(ux), "u_weight": flat(uw),
                  "grad_input": flat(gx), "grad_weight": flat(gw), "second_input": flat(sx), "second_weight": flat(sw),
                  "output_eval": flat(y_eval)})

A = torch.randn(5, 7)
out = {"layers": cases, "matrix": {"shape": [5, 7], "values": flat(A), "singular_values": flat(torch.linalg.svdvals(A))}}
path = os.path.join(os.path.dirname(__file__), "../../tests/GanFromScratch.Tests/Golden/spectral_norm.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print("wrote", os.path.normpath(path), "with", torch.__version__)
