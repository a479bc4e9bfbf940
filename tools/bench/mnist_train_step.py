"""PyTorch peer of `gfs bench train-step --dataset fashion-mnist`: one WGAN-GP generator
iteration of the WGAN-GP authors' gan_mnist.py architecture (DIM 64, batch 50, 5 critic steps,
penalty λ = 10 at per-sample interpolates, Adam 1e-4 β (0.5, 0.9)), on random images in [0, 1]
(the data does not change the cost). Prints the median milliseconds per generator iteration
as one JSON object.

    /usr/bin/python3 tools/bench/mnist_train_step.py --threads 2 --iters 10
"""
import argparse
import json
import torch
import torch.nn as nn
from timing import cuda_kernels, median_ms

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iters", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--dim", type=int, default=64)
parser.add_argument("--batch", type=int, default=50)
parser.add_argument("--lam", type=float, default=10.0)
parser.add_argument("--device", default="cpu")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)
DIM, dev = args.dim, torch.device(args.device)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.pre = nn.Sequential(nn.Linear(128, 4 * 4 * 4 * DIM), nn.ReLU())
        self.b1 = nn.Sequential(nn.ConvTranspose2d(4 * DIM, 2 * DIM, 5, 2, 2, 1), nn.ReLU())
        self.b2 = nn.Sequential(nn.ConvTranspose2d(2 * DIM, DIM, 5, 2, 2, 1), nn.ReLU())
        self.out = nn.ConvTranspose2d(DIM, 1, 5, 2, 2, 1)

    def forward(self, z):
        x = self.pre(z).view(-1, 4 * DIM, 4, 4)
        x = self.b1(x)[:, :, :7, :7]
        return torch.sigmoid(self.out(self.b2(x)))


critic = nn.Sequential(
    nn.Conv2d(1, DIM, 5, 2, 2), nn.LeakyReLU(0.2), nn.Conv2d(DIM, 2 * DIM, 5, 2, 2), nn.LeakyReLU(0.2),
    nn.Conv2d(2 * DIM, 4 * DIM, 5, 2, 2), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(4 * 4 * 4 * DIM, 1)).to(dev)
G = Generator().to(dev)
optD = torch.optim.Adam(critic.parameters(), 1e-4, betas=(0.5, 0.9))
optG = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.5, 0.9))
B = args.batch


def iteration():
    for p in critic.parameters():
        p.requires_grad_(True)
    for _ in range(5):
        real = torch.rand(B, 1, 28, 28, device=dev)
        with torch.no_grad():
            fake = G(torch.randn(B, 128, device=dev))
        optD.zero_grad()
        loss = critic(fake).mean() - critic(real).mean()
        alpha = torch.rand(B, 1, 1, 1, device=dev)
        x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        out = critic(x)
        g, = torch.autograd.grad(out, x, torch.ones_like(out), create_graph=True)
        gp = args.lam * ((g.view(B, -1).norm(2, dim=1) - 1) ** 2).mean()
        (loss + gp).backward()
        optD.step()
    for p in critic.parameters():
        p.requires_grad_(False)
    optG.zero_grad()
    (-critic(G(torch.randn(B, 128, device=dev))).mean()).backward()
    optG.step()


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


median = median_ms(iteration, args.iters, args.warmup, sync)
result = {"peer": f"pytorch {torch.__version__}", "arch": "gan_mnist", "dim": DIM, "batch": B, "device": args.device,
          "threads": args.threads, "ms_per_iter": round(median, 2)}
if dev.type == "cuda":
    result["kernels_per_iter"] = cuda_kernels(iteration)
print(json.dumps(result))
