"""Loads the generator of a gfs image checkpoint into PyTorch and makes images with it.

gfs checkpoints are safetensors files; every network is stored under its role. The generator's
weights are under "generator." with the indices of a PyTorch nn.Sequential of the same layers
("generator.0.weight", … for gan-mnist and dcgan), or, for a conditional run (cgan, cwgan-gp,
acgan), the network under "generator.net." and the label embedding under "generator.labels.".
This script rebuilds that Sequential from the checkpoint's configuration (the --arch and --dim of
the run), loads the weights with load_state_dict, and writes a PNG grid of samples — for a
conditional run one class per row — and, with --npy, the samples as NumPy uint8 [n, 28, 28].

    /usr/bin/python3 tools/reference/load_gfs_image_generator.py runs/wgan-gp-fashion-mnist/checkpoint.safetensors grid.png
    /usr/bin/python3 tools/reference/load_gfs_image_generator.py runs/cgan-fashion-mnist/checkpoint.safetensors grid.png --npy samples.npy

It reads the format directly (8-byte header length, JSON header, raw float32), so it needs only
PyTorch (and NumPy for --npy; the PNG is written with zlib alone).
"""
import argparse
import json
import struct
import sys
import zlib

import torch
import torch.nn as nn

NOISE = 128
# The variants whose generator is gan-mnist's or dcgan's (with a label embedding for the conditional three),
# each with the architecture a run without --arch has (Variant.DefaultArch in gfs).
DEFAULT_ARCH = {"wgan": "gan-mnist", "wgan-gp": "gan-mnist", "cwgan-gp": "gan-mnist", "hinge": "gan-mnist",
                "gan": "dcgan", "lsgan": "dcgan", "dcgan": "dcgan", "loss-sensitive": "dcgan", "cgan": "dcgan", "acgan": "dcgan"}
LOADABLE = set(DEFAULT_ARCH)


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


class Crop(nn.Module):
    """gan_mnist.py's generator keeps the top-left 7×7 of its 8×8 maps."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def forward(self, x):
        return x[:, :, :self.size, :self.size]


def generator(arch, dim, inputs):
    """The same layers, in the same order, as gfs's ImageNetworks.GanMnistGenerator / DcganGenerator."""
    if arch == "gan-mnist":
        return nn.Sequential(
            nn.Linear(inputs, 4 * 4 * 4 * dim), nn.ReLU(), nn.Unflatten(1, (4 * dim, 4, 4)),
            nn.ConvTranspose2d(4 * dim, 2 * dim, 5, stride=2, padding=2, output_padding=1), nn.ReLU(),
            Crop(7),
            nn.ConvTranspose2d(2 * dim, dim, 5, stride=2, padding=2, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(dim, 1, 5, stride=2, padding=2, output_padding=1), nn.Sigmoid())
    if arch == "dcgan":
        return nn.Sequential(
            nn.Linear(inputs, 2 * dim * 7 * 7), nn.BatchNorm1d(2 * dim * 7 * 7), nn.ReLU(), nn.Unflatten(1, (2 * dim, 7, 7)),
            nn.ConvTranspose2d(2 * dim, dim, 4, stride=2, padding=1), nn.BatchNorm2d(dim), nn.ReLU(),
            nn.ConvTranspose2d(dim, 1, 4, stride=2, padding=1), nn.Sigmoid())
    sys.exit(f"unknown architecture {arch}")


def write_png(path, grey):
    """A grey image (uint8 rows) as a PNG: signature, IHDR, one zlib-compressed IDAT, IEND."""
    h, w = grey.shape
    raw = b"".join(b"\x00" + bytes(grey[y].tolist()) for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("png")
    parser.add_argument("-n", type=int, default=64, help="samples (default 64; a conditional run makes 8 of each class)")
    parser.add_argument("--npy", help="also write the samples here as uint8 [n, 28, 28]")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    tensors, meta = load_safetensors(args.checkpoint)
    config = json.loads(meta["config"])
    if config.get("dataset") not in ("fashion-mnist", "mnist"):
        sys.exit(f"{args.checkpoint} is a run of {config['variant']} on {config.get('dataset')}, not on images: "
                 "tools/reference/load_gfs_generator.py loads toy generators")
    if config["variant"] not in LOADABLE or (config.get("arch") or DEFAULT_ARCH[config["variant"]]) not in ("gan-mnist", "dcgan"):
        sys.exit(f"{args.checkpoint} is a run of {config['variant']} (networks: {config.get('arch') or 'its own'}): this script rebuilds "
                 f"the gan-mnist and dcgan generators of {', '.join(sorted(LOADABLE))}; for the networks of infogan, bigan, "
                 "ssgan and biggan use `gfs sample --checkpoint … --out samples.npy`")
    variants = {"cgan", "cwgan-gp", "acgan"}
    conditional = config["variant"] in variants
    arch, dim = config.get("arch") or DEFAULT_ARCH[config["variant"]], config["dim"]
    prefix = "generator.net." if conditional else "generator."
    classes = tensors["generator.labels.weight"].shape[0] if conditional else 0
    G = generator(arch, dim, NOISE + classes)
    state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    missing, unexpected = G.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    G.eval()  # batch norm's running statistics, as gfs samples
    print(f"loaded the {arch} generator (dim {dim}) of a {config['variant']} run at iteration {meta['iteration']}")

    torch.manual_seed(args.seed)
    n = 8 * classes if conditional and args.n == 64 else args.n
    with torch.no_grad():
        z = torch.randn(n, NOISE)
        if conditional:
            labels = torch.arange(n) // 8 % classes  # one class per row of 8
            z = torch.cat([z, tensors["generator.labels.weight"][labels]], dim=1)
        images = G(z).clamp(0, 1)
    pixels = torch.round(images[:, 0] * 255).to(torch.uint8)

    rows = (n + 7) // 8
    grid = torch.full((rows * 30 + 2, 8 * 30 + 2), 128, dtype=torch.uint8)
    for k in range(n):
        y, x = 2 + k // 8 * 30, 2 + k % 8 * 30
        grid[y:y + 28, x:x + 28] = pixels[k]
    write_png(args.png, grid.numpy())
    print(f"wrote {n} samples to {args.png}")
    if args.npy:
        import numpy as np
        np.save(args.npy, pixels.numpy())
        print(f"wrote {args.npy}: uint8 {tuple(pixels.shape)}")


if __name__ == "__main__":
    main()
