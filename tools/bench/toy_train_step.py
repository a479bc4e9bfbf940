"""PyTorch peer of `gfs bench train-step`: one WGAN-GP generator iteration of gan_toy.py.

Five critic steps (real batch, generated batch, gradient penalty at random interpolates, Adam
step) then one generator step, with gan_toy.py's MLPs (3 hidden ReLU layers of DIM), batch 256,
on the CPU. Prints the median milliseconds per generator iteration as one JSON object.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/bench/toy_train_step.py --threads 1 --iters 20

--threads is torch.set_num_threads; OpenBLAS (Debian's libopenblas0-pthread) keeps its own
threads, every core unless OPENBLAS_NUM_THREADS says otherwise. tools/bench/compare_train_step.sh
alternates this script with `gfs bench train-step`.
"""
import argparse
import json
import os
import sys

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iters", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--dim", type=int, default=512)
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--lam", type=float, default=10.0)
parser.add_argument("--device", default="cpu", help="cpu or cuda (every tensor, the data's included, is made there)")
args = parser.parse_args()
if args.device == "cuda":
    # Before the model module is imported: its constants and every tensor made afterwards land on the GPU.
    if hasattr(torch, "set_default_device"):  # PyTorch 2
        torch.set_default_device("cuda")
    else:
        torch.set_default_tensor_type("torch.cuda.FloatTensor")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
sys.path.insert(0, os.path.dirname(__file__))
from gan_toy_torch import iteration, setup  # noqa: E402
from timing import cuda_kernels, median_ms  # noqa: E402
torch.set_num_threads(args.threads)
torch.manual_seed(1)
G, D, optG, optD = setup("wgan-gp", args.dim)


def step():
    iteration(G, D, optG, optD, args.batch, "wgan-gp", args.lam)


median = median_ms(step, args.iters, args.warmup, torch.cuda.synchronize if args.device == "cuda" else lambda: None)
result = {"peer": f"pytorch {torch.__version__}", "variant": "wgan-gp", "dim": args.dim, "batch": args.batch,
          "device": args.device, "threads": args.threads, "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
          "ms_per_iter": round(median, 2)}
if args.device == "cuda":
    result["kernels_per_iter"] = cuda_kernels(step)
print(json.dumps(result))
