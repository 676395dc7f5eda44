#!/usr/bin/python3
"""Reference values for tests/tst_losses.cpp, computed with Debian's python3-torch from the
papers' formulas written independently of Pretext's C++ code. Run from the project root:

    /usr/bin/python3 tests/reference/make_loss_references.py

The inputs are deterministic (built from sin/cos of indices) so the C++ test rebuilds them exactly.
"""
import math
import torch

from fixedinputs import fixed
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def nt_xent(z1, z2, t):
    # SimCLR eq. (1): l(i, j) = -log exp(s_ij / t) / sum_{k != i} exp(s_ik / t), averaged over all 2N views.
    z = torch.cat([z1, z2])
    z = z / z.norm(dim=1, keepdim=True)
    s = z @ z.t() / t
    n = z1.shape[0]
    total = 0.0
    for i in range(2 * n):
        j = i + n if i < n else i - n
        denom = sum(math.exp(s[i, k]) for k in range(2 * n) if k != i)
        total += -math.log(math.exp(s[i, j]) / denom)
    return total / (2 * n)


def info_nce(q, k, queue, t):
    # MoCo eq. (1): -log exp(q.k+/t) / (exp(q.k+/t) + sum_i exp(q.k_i/t)), mean over the batch.
    q = q / q.norm(dim=1, keepdim=True)
    k = k / k.norm(dim=1, keepdim=True)
    queue = queue / queue.norm(dim=0, keepdim=True)
    pos = (q * k).sum(1)
    neg = q @ queue
    logits = torch.cat([pos.unsqueeze(1), neg], 1) / t
    return F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long)).item()


def byol(p, z):
    # BYOL eq. (2): || p/|p| - z/|z| ||^2 = 2 - 2 cos(p, z), mean over the batch.
    pn = p / p.norm(dim=1, keepdim=True)
    zn = z / z.norm(dim=1, keepdim=True)
    return ((pn - zn) ** 2).sum(1).mean().item()


z1, z2 = fixed(6, 5, 0.0), fixed(6, 5, 0.4)
print("// NT-Xent, N=6, D=5: z1 = fixed(6,5,0.0), z2 = fixed(6,5,0.4)")
for t in (0.1, 0.5):
    print(f"const double kNtXent_t{str(t).replace('.', '')} = {nt_xent(z1, z2, t):.12f};")
q, k, queue = fixed(4, 6, 0.2), fixed(4, 6, 0.5), fixed(6, 10, 1.1)
print("// InfoNCE: q = fixed(4,6,0.2), k = fixed(4,6,0.5), queue = fixed(6,10,1.1) (columns normalised)")
print(f"const double kInfoNce_t02 = {info_nce(q, k, queue, 0.2):.12f};")
p, z = fixed(5, 4, 0.3), fixed(5, 4, 2.0)
print("// BYOL: p = fixed(5,4,0.3), z = fixed(5,4,2.0)")
print(f"const double kByol = {byol(p, z):.12f};")
