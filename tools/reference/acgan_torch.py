"""PyTorch peer of `gfs train acgan`: the auxiliary-classifier GAN of Odena et al. (2017) on Fashion-MNIST
with gfs's settings (tools/reference/conditional_torch.py), to compare with gfs at equal iterations.

Writes OUT/log.jsonl (losses every --log-every iterations), OUT/samples.npy (uint8 [N, 28, 28], G in
eval mode) with OUT/samples.labels.npy (int64 [N], label of sample i = i % 10), and with --eval-every K
also OUT/samples_iter_NNNNNN{.npy,.labels.npy} every K iterations.

    /usr/bin/python3 tools/reference/acgan_torch.py --iters 2000 --seed 1 --out runs/acgan-torch
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from conditional_torch import ConditionalGenerator, acgan_critic, acgan_iteration, parser, train  # noqa: E402

p = parser(__doc__.splitlines()[0])
p.add_argument("--fake-class-weight", type=float, default=1.0,
               help="weight of the critic's class term on generated samples (1: the paper's; 0: real samples alone)")
args = p.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)
iteration = lambda G, D, optG, optD, x, y: acgan_iteration(G, D, optG, optD, x, y, args.fake_class_weight)
train(args, ConditionalGenerator(args.dim), acgan_critic(args.dim), iteration, "acgan")
