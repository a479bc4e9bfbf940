"""PyTorch peer of `gfs bench conv`: gan_mnist.py's six convolution layers (DIM 64, batch 50),
forward alone and forward + backward (input and weight gradients of y.sum()), medians in ms,
one JSON object per layer.

    /usr/bin/python3 tools/bench/conv_torch.py --threads 2
    /usr/bin/python3 tools/bench/conv_torch.py --device cuda
"""
import argparse
import json
import torch
import torch.nn.functional as F
from timing import median_ms

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iters", type=int, default=20)
parser.add_argument("--batch", type=int, default=50)
parser.add_argument("--device", default="cpu")
args = parser.parse_args()
torch.set_num_threads(args.threads)
dev = torch.device(args.device)
B, D = args.batch, 64
cases = [
    ("critic.conv1", False, (B, 1, 28, 28), (D, 1, 5, 5), 0),
    ("critic.conv2", False, (B, D, 14, 14), (2 * D, D, 5, 5), 0),
    ("critic.conv3", False, (B, 2 * D, 7, 7), (4 * D, 2 * D, 5, 5), 0),
    ("generator.deconv1", True, (B, 4 * D, 4, 4), (4 * D, 2 * D, 5, 5), 1),
    ("generator.deconv2", True, (B, 2 * D, 7, 7), (2 * D, D, 5, 5), 1),
    ("generator.deconv3", True, (B, D, 14, 14), (D, 1, 5, 5), 1),
]


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


for name, transposed, xs, ws, op in cases:
    x = torch.randn(xs, device=dev, requires_grad=True)
    w = (torch.randn(ws, device=dev) * 0.05).requires_grad_(True)
    conv = (lambda: F.conv_transpose2d(x, w, stride=2, padding=2, output_padding=op)) if transposed \
        else (lambda: F.conv2d(x, w, stride=2, padding=2))

    def forward():
        with torch.no_grad():
            conv()

    def backward():
        torch.autograd.grad(conv().sum(), [x, w])

    print(json.dumps({"peer": f"pytorch {torch.__version__}", "layer": name, "input": list(xs), "weight": list(ws),
                      "device": args.device, "threads": args.threads,
                      "forward_ms": round(median_ms(forward, args.iters, sync=sync), 3), "backward_ms": round(median_ms(backward, args.iters, sync=sync), 3)}))
