#!/usr/bin/env python3
"""Writes the golden values of the WGAN-GP gradient penalty for tests/GanFromScratch.Tests.

For small MLP critics, computes with PyTorch (float64, from float32 weights and inputs)

    x̂ = α·x_real + (1 − α)·x_fake,   P = λ · mean_i (‖∇ₓ D(x̂_i)‖₂ − 1)²

and the gradient of P with respect to every weight and bias: a gradient of a gradient.
The C# tests read the JSON and need no Python.

    apt-get install python3-torch
    /usr/bin/python3 tools/golden/gradient_penalty.py > tests/GanFromScratch.Tests/Golden/gradient_penalty.json
"""
import json

import torch

CRITICS = {
    # name: (layer widths, activation after each hidden layer)
    "mlp_leaky_relu": ([2, 16, 16, 1], ["leaky_relu", "relu"]),
    "mlp_tanh": ([2, 16, 16, 1], ["tanh", "tanh"]),
    "mlp_wide_leaky_relu": ([3, 32, 24, 1], ["leaky_relu", "leaky_relu"]),
}
BATCH = 8
LAMBDA = 10.0
SLOPE = 0.2


def activation(name, x):
    if name == "relu":
        return torch.relu(x)
    if name == "leaky_relu":
        return torch.nn.functional.leaky_relu(x, SLOPE)
    if name == "tanh":
        return torch.tanh(x)
    raise ValueError(name)


def case(name, widths, activations, seed):
    gen = torch.Generator().manual_seed(seed)
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / fan_in ** 0.5
        w = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * bound
        b = (torch.rand(fan_out, generator=gen) * 2 - 1) * bound
        layers.append((w.float(), b.float()))
    real = torch.randn(BATCH, widths[0], generator=gen).float()
    fake = torch.randn(BATCH, widths[0], generator=gen).float()
    alpha = torch.rand(BATCH, 1, generator=gen).float()

    params = []
    for w, b in layers:
        params += [w.double().requires_grad_(), b.double().requires_grad_()]

    def critic(x):
        for i in range(len(layers)):
            x = x @ params[2 * i].T + params[2 * i + 1]
            if i < len(activations):
                x = activation(activations[i], x)
        return x

    x_hat = (alpha.double() * real.double() + (1 - alpha.double()) * fake.double()).requires_grad_()
    scores = critic(x_hat)
    (grad_x,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad_x.norm(2, dim=1)
    penalty = LAMBDA * ((norms - 1) ** 2).mean()
    # The last bias does not change ∇ₓD, so its gradient is zero (PyTorch reports it unused).
    grads = torch.autograd.grad(penalty, params, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)]

    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    return {
        "name": name,
        "widths": widths,
        "activations": activations,
        "leaky_slope": SLOPE,
        "lambda": LAMBDA,
        "layers": [{"weight": flat(w), "bias": flat(b)} for w, b in layers],
        "real": flat(real),
        "fake": flat(fake),
        "alpha": flat(alpha),
        "grad_norms": flat(norms),
        "penalty": float(penalty),
        "grads": [{"weight": flat(grads[2 * i]), "bias": flat(grads[2 * i + 1])} for i in range(len(layers))],
    }


def main():
    cases = [case(name, w, a, seed) for seed, (name, (w, a)) in enumerate(CRITICS.items(), start=1)]
    print(json.dumps({"generator": "tools/golden/gradient_penalty.py", "torch": torch.__version__, "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
