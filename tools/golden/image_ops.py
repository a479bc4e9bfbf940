"""Golden data for the image ops: convolution, transposed convolution, batch norm, layer norm,
pooling and upsampling, against PyTorch; and for what conditional GANs add: the embedding lookup
(F.embedding), concatenation along channels, and cross-entropy against labels; InfoGAN's
information term, the semi-supervised GAN's losses, and the loss-sensitive GAN's critic objective.

For each case: the inputs, the output, the gradients of L = sum(out * w) for a fixed random w,
and the second derivatives: the gradients of M = sum_i sum(dL/dx_i * u_i) for fixed random u_i
(what a gradient penalty differentiates). The C# test computes the same three things.

Run with Debian's PyTorch:  /usr/bin/python3 tools/golden/image_ops.py
Writes tests/GanFromScratch.Tests/Golden/image_ops.json.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)  # the reference in double; the C# side computes in float32

LS_REAL = torch.tensor([[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.2, 0.9, 1.5], [0.0, -0.3, 0.8]])
LS_FAKE = torch.tensor([[0.1, -0.9, 1.3], [0.2, 0.6, -0.5], [-1.0, 0.4, 0.9], [0.7, 0.2, -0.4]])
LS_DISTANCE = (LS_REAL - LS_FAKE).abs().sum(1, keepdim=True)

cases = [
    ("conv2d_s2_p2", [(2, 3, 9, 9), (4, 3, 5, 5), (4,)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=2)),
    ("conv2d_leaky", [(1, 2, 6, 7), (3, 2, 3, 2)], lambda x, w: F.leaky_relu(F.conv2d(x, w), 0.2)),
    ("conv_transpose2d_s2_p2_op1", [(2, 4, 4, 4), (4, 3, 5, 5), (3,)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=2, output_padding=1)),
    ("conv_transpose2d_k4_s2_p1", [(2, 3, 3, 3), (3, 2, 4, 4)], lambda x, w: torch.relu(F.conv_transpose2d(x, w, stride=2, padding=1))),
    ("batch_norm2d", [(4, 3, 3, 3), (3,), (3,)], lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5)),
    ("layer_norm_chw", [(2, 3, 4, 4), (3, 4, 4), (3, 4, 4)], lambda x, g, b: F.layer_norm(x, (3, 4, 4), g, b, eps=1e-5)),
    ("avg_pool2", [(2, 2, 5, 6)], lambda x: F.avg_pool2d(x, 2) ** 2),
    ("upsample_nearest2", [(2, 2, 3, 2)], lambda x: F.interpolate(x, scale_factor=2, mode="nearest") ** 2),
    # Labels are constants: indices 4 and 0 repeat, row 3 is never picked (its gradient is zero).
    ("embedding", [(5, 3)], lambda w: F.embedding(torch.tensor([2, 0, 4, 4, 1, 0]), w) ** 2),
    ("concat_channels", [(2, 1, 3, 3), (2, 2, 3, 3)], lambda a, b: torch.cat([a, b], 1) ** 2),
    ("cross_entropy_labels", [(4, 5)], lambda x: F.cross_entropy(x, torch.tensor([1, 0, 4, 1])).reshape(1)),
    # InfoGAN's −L_I from a critic's outputs [n, 1 + 4 + 2] (D's logit, 4 category logits, 2 means), λ_cat 1, λ_cont 0.7.
    ("infogan_information", [(5, 7)], lambda out: (F.cross_entropy(out[:, 1:5], torch.tensor([3, 0, 1, 3, 2]))
        + 0.7 * 0.5 * ((out[:, 5:7] - torch.tensor([[0.5, -0.25], [-0.9, 0.1], [0.3, 0.8], [0.0, -0.6], [0.75, 0.2]])) ** 2).sum(1).mean()).reshape(1)),
    # The semi-supervised GAN (Salimans et al.): log Z of K-class logits, the unlabelled real/fake terms with the fake
    # class's logit fixed at 0, the labelled cross-entropy, feature matching, and a weight-normalized layer.
    ("logsumexp", [(4, 5)], lambda x: torch.logsumexp(x, 1)),
    ("ssgan_supervised", [(5, 4)], lambda x: F.cross_entropy(x, torch.tensor([3, 0, 1, 3, 2])).reshape(1)),
    ("ssgan_unsupervised", [(5, 4), (6, 4)], lambda r, f: (0.5 * (F.softplus(torch.logsumexp(r, 1)) - torch.logsumexp(r, 1)).mean()
        + 0.5 * F.softplus(torch.logsumexp(f, 1)).mean()).reshape(1)),
    ("ssgan_feature_matching", [(5, 3), (4, 3)], lambda f, r: ((f.mean(0) - r.mean(0)) ** 2).mean().reshape(1)),
    # W = g·v/‖v‖ written out: PyTorch 1.13's fused torch._weight_norm gives a wrong second derivative in v (checked
    # against central differences in double precision: 2.91 where the difference quotient and this form give 5.32).
    ("weight_norm_linear", [(4, 3), (2, 3), (2, 1), (2,)],
     lambda x, v, g, b: F.linear(x, v * ((g.abs() + 0.5) / v.norm(dim=1, keepdim=True)), b) ** 2),
    # The loss-sensitive GAN's critic objective γ·mean L(x) + mean relu(Δ + L(x) − L(x̃)) from the critic's outputs on
    # 4 real and 4 generated samples, Δ = τ·‖x − x̃‖₁ on fixed pairs (a constant): L = softplus, γ 0.3, τ 0.2; and
    # L = relu, γ 0, τ 0.5 of the outputs + 0.3 (one generated sample's ReLU dead). Hinges on both sides of 0 in each.
    ("loss_sensitive_softplus", [(4, 1), (4, 1)], lambda fr, ff: (0.3 * F.softplus(fr).mean()
        + F.relu(0.2 * LS_DISTANCE + F.softplus(fr) - F.softplus(ff)).mean()).reshape(1)),
    # (The relu case squared: a piecewise-linear function's second derivatives are all 0.)
    ("loss_sensitive_relu", [(4, 1), (4, 1)], lambda fr, ff: F.relu(0.5 * LS_DISTANCE + F.relu(fr + 0.3) - F.relu(ff + 0.3)).mean().reshape(1) ** 2),
    # The hinge loss of SN-GAN and BigGAN: the critic's mean relu(1 − D(x)) + mean relu(1 + D(G(z))) on scores on both
    # sides of the margins (squared: piecewise linear, its second derivatives are 0), and the generator's −mean D(G(z)).
    ("hinge_critic", [(6, 1), (5, 1)], lambda r, f: ((F.relu(1 - 1.5 * r).mean() + F.relu(1 + 1.5 * f).mean()) ** 2).reshape(1)),
    ("hinge_generator", [(5, 1)], lambda f: (-f.mean()).reshape(1) ** 2),
    # BigGAN's orthogonal regularization β‖W Wᵀ ⊙ (1 − I)‖²_F, β 0.3, W viewed as [dimension 0, the rest].
    ("orthogonal_regularization_linear", [(4, 6)], lambda w: (0.3 * ((w @ w.t()) * (1 - torch.eye(4))).pow(2).sum()).reshape(1)),
    ("orthogonal_regularization_conv", [(3, 2, 2, 2)], lambda w: (0.3 * ((w.reshape(3, -1) @ w.reshape(3, -1).t()) * (1 - torch.eye(3))).pow(2).sum()).reshape(1)),
    # BigGAN's class-conditional batch norm: normalized without an affine part of its own, then scaled by 1 + Linear(e)
    # and shifted by Linear(e) of a condition vector e per sample (the shared class embedding, joined with a chunk of z).
    ("conditional_batch_norm", [(4, 3, 2, 2), (4, 5), (3, 5), (3,), (3, 5), (3,)], lambda x, e, wg, bg, wb, bb:
        F.batch_norm(x, None, None, training=True, eps=1e-5) * (1 + F.linear(e, wg, bg)).view(4, 3, 1, 1) + F.linear(e, wb, bb).view(4, 3, 1, 1)),
    ("conditional_batch_norm_1d", [(5, 3), (5, 2), (3, 2), (3,), (3, 2), (3,)], lambda x, e, wg, bg, wb, bb:
        F.batch_norm(x, None, None, training=True, eps=1e-5) * (1 + F.linear(e, wg, bg)) + F.linear(e, wb, bb)),
    # The projection discriminator's head: ψ(h) + ⟨embed(y), h⟩ for classes [2, 0, 1, 2, 1] (class 3 of 4 never picked).
    ("projection_head", [(5, 4), (1, 4), (1,), (4, 4)], lambda h, w, b, emb:
        F.linear(h, w, b) + (F.embedding(torch.tensor([2, 0, 1, 2, 1]), emb) * h).sum(1, keepdim=True)),
    # The character-level language model's 1-D convolutions (gan_language.py): kernel 5 padded to keep the length,
    # kernel 1 (a linear map per position), and one residual block x + 0.3·conv(relu(conv(relu(x)))) on [batch, DIM, length].
    ("conv1d_k5_p2", [(2, 3, 7), (4, 3, 5), (4,)], lambda x, w, b: F.conv1d(x, w, b, padding=2) ** 2),
    ("conv1d_k1", [(2, 5, 4), (3, 5, 1), (3,)], lambda x, w, b: F.conv1d(x, w, b)),
    ("text_residual_block", [(2, 3, 6), (3, 3, 5), (3,), (3, 3, 5), (3,)], lambda x, w1, b1, w2, b2:
        x + 0.3 * F.conv1d(torch.relu(F.conv1d(torch.relu(x), w1, b1, padding=2)), w2, b2, padding=2)),
    # The orthogonal regularization of a tall weight (9 rows of 3: gfs computes it from WᵀW), as written.
    ("orthogonal_regularization_tall", [(9, 3)], lambda w: (0.3 * ((w @ w.t()) * (1 - torch.eye(9))).pow(2).sum()).reshape(1)),
    # The image critics' layer as gfs fuses it (bias and LeakyReLU in the product's epilogue), through a gradient penalty's
    # second derivatives; the classifier's convolution with ReLU fused, and its max pooling (random inputs: no ties);
    # the softmax the text generator ends with.
    ("conv2d_s2_p2_bias_leaky_fused", [(2, 3, 9, 9), (4, 3, 5, 5), (4,)], lambda x, w, b: F.leaky_relu(F.conv2d(x, w, b, stride=2, padding=2), 0.2)),
    ("conv2d_p1_bias_relu_fused", [(2, 2, 6, 6), (3, 2, 3, 3), (3,)], lambda x, w, b: F.relu(F.conv2d(x, w, b, padding=1))),
    ("max_pool2", [(2, 3, 5, 6)], lambda x: F.max_pool2d(x, 2) ** 2),
    ("softmax", [(4, 5)], lambda x: F.softmax(x, 1)),
]

out = []
for name, shapes, f in cases:
    inputs = [torch.randn(s, requires_grad=True) for s in shapes]
    y = f(*inputs)
    w = torch.randn(y.shape)
    u = [torch.randn(s) for s in shapes]
    grads = torch.autograd.grad((y * w).sum(), inputs, create_graph=True)
    m = sum((g * ui).sum() for g, ui in zip(grads, u))
    second = torch.autograd.grad(m, inputs, allow_unused=True)
    second = [torch.zeros_like(x) if s is None else s for x, s in zip(inputs, second)]
    flat = lambda ts: [t.detach().flatten().tolist() for t in ts]
    out.append({"name": name, "shapes": shapes, "inputs": flat(inputs), "output_shape": list(y.shape),
                "output": y.detach().flatten().tolist(), "w": w.flatten().tolist(), "u": flat(u),
                "grads": flat(grads), "second": flat(second)})

path = os.path.join(os.path.dirname(__file__), "../../tests/GanFromScratch.Tests/Golden/image_ops.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print("wrote", os.path.normpath(path), "with", torch.__version__)
