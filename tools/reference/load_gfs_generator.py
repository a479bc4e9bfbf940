"""Loads the generator of a gfs toy checkpoint into gan_toy.py's PyTorch Generator.

gfs checkpoints are safetensors files; the generator's weights are stored under "generator."
with gan_toy.py's own names (main.0.weight, …). With the `safetensors` package:

    from safetensors.torch import load_file
    state = {k[len("generator."):]: v for k, v in load_file(path).items() if k.startswith("generator.")}

This script reads the format directly (8-byte header length, JSON header, raw float32) so that it
needs only PyTorch, loads the weights, and prints mode coverage of 2,500 samples.

    /usr/bin/python3 tools/reference/load_gfs_generator.py runs/wgan-gp-8gaussians/checkpoint.safetensors
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from gan_toy_torch import CENTRES, STD, mlp  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", entry["dtype"]
        start, end = entry["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(entry["shape"])
    return tensors, meta


tensors, meta = load_safetensors(sys.argv[1])
config = json.loads(meta["config"])
DIM = config["dim"]


class Generator(nn.Module):  # gan_toy.py's: the MLP under the name "main"
    def __init__(self):
        super().__init__()
        self.main = mlp(DIM, 2)

    def forward(self, noise):
        return self.main(noise)


G = Generator()
G.load_state_dict({k[len("generator."):]: v for k, v in tensors.items() if k.startswith("generator.")})
print(f"loaded {config['variant']} generator (dim {DIM}) at iteration {meta['iteration']}")
if config["dataset"] == "8gaussians":
    torch.manual_seed(0)
    with torch.no_grad():
        x = G(torch.randn(2500, 2))
    d = torch.cdist(x, CENTRES).min(dim=1)
    good = d.values <= 3 * STD
    print(f"modes {len(set(d.indices[good].tolist()))}, hq {good.float().mean().item():.4f}")
