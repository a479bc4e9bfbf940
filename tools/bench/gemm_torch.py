"""PyTorch's float32 matrix product on a device (cuBLAS on a GPU), the peer of `gfs bench gemm --device cuda`.

TF32 is switched off so that both compute in full float32. Prints one JSON object per shape with
the median GFLOP/s over --rounds rounds (each ~0.1 s of repetitions, synchronised).

    python3 tools/bench/gemm_torch.py --device cuda --shape 1024x1024x1024 4096x4096x4096
"""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--device", default="cuda")
p.add_argument("--shape", nargs="+", default=["1024x1024x1024", "4096x4096x4096", "256x512x512"])
p.add_argument("--rounds", type=int, default=9)
args = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
device = torch.device(args.device)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


for text in args.shape:
    m, n, k = (int(v) for v in text.split("x"))
    a = torch.rand(m, k, device=device) - 0.5
    b = torch.rand(k, n, device=device) - 0.5
    torch.mm(a, b)
    sync()
    t = time.perf_counter()
    torch.mm(a, b)
    sync()
    reps = max(1, int(0.1 / max(1e-7, time.perf_counter() - t)))
    rates = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        sync()
        rates.append(2.0 * m * n * k * reps / (time.perf_counter() - t) / 1e9)
    rates.sort()
    print(json.dumps({"peer": f"pytorch {torch.__version__}", "device": str(device), "shape": text,
                      "gflops": round(rates[len(rates) // 2], 1)}))
