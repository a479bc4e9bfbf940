"""PyTorch peer of `gfs train cgan`: the conditional GAN of Mirza & Osindero on Fashion-MNIST with gfs's
settings (tools/reference/conditional_torch.py), to compare with gfs at equal iterations.

Writes OUT/log.jsonl (losses every --log-every iterations), OUT/samples.npy (uint8 [N, 28, 28], G in
eval mode) with OUT/samples.labels.npy (int64 [N], label of sample i = i % 10), and with --eval-every K
also OUT/samples_iter_NNNNNN{.npy,.labels.npy} every K iterations.

    /usr/bin/python3 tools/reference/cgan_torch.py --iters 2000 --seed 1 --out runs/cgan-torch
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from conditional_torch import CganCritic, ConditionalGenerator, cgan_iteration, parser, train  # noqa: E402

args = parser(__doc__.splitlines()[0]).parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)
train(args, ConditionalGenerator(args.dim), CganCritic(args.dim), cgan_iteration, "cgan")
