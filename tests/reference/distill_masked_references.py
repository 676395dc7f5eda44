#!/usr/bin/python3
"""Reference values for tests/tst_distill_masked.cpp (DINO and MAE), computed with Debian's
python3-torch from the papers' formulas written out with explicit loops, independently of
Pretext's C++ code. Run from the project root:

    /usr/bin/python3 tests/reference/distill_masked_references.py

The inputs are deterministic (built from sin of indices) so the C++ test rebuilds them exactly.
"""
import math
import torch

from fixedinputs import fixed

torch.set_default_dtype(torch.float64)


def softmax_row(row, t):
    m = max(row)
    e = [math.exp((x - m) / t) for x in row]
    s = sum(e)
    return [x / s for x in e]


def dino(student, teacher, center, tps, tpt):
    # DINO Algorithm 1 generalised to multi-crop (eq. 3): for every global view i of the teacher and
    # every student view v != i, H(Pt_i, Ps_v) = -sum_k Pt_i[k] log Ps_v[k], averaged over the batch;
    # the pairs' losses are averaged.
    total, pairs = 0.0, 0
    for i, t in enumerate(teacher):
        for v, s in enumerate(student):
            if v == i:
                continue
            batch = t.shape[0]
            h = 0.0
            for b in range(batch):
                pt = softmax_row([t[b, k].item() - center[0, k].item() for k in range(t.shape[1])], tpt)
                ps = softmax_row([s[b, k].item() for k in range(s.shape[1])], tps)
                h += -sum(pt[k] * math.log(ps[k]) for k in range(len(pt)))
            total += h / batch
            pairs += 1
    return total / pairs


def mae(pred, target, mask, norm_pix):
    # MAE sec. 3 (and the official forward_loss): per-patch mean squared error, averaged over the
    # masked patches only; with norm_pix each target patch is normalised by its own mean and
    # (unbiased) variance: (x - mean) / sqrt(var + 1e-6).
    num, den = 0.0, 0.0
    B, N, P = pred.shape
    for b in range(B):
        for n in range(N):
            if mask[b][n] == 0:
                continue
            t = [target[b, n, p].item() for p in range(P)]
            if norm_pix:
                mean = sum(t) / P
                var = sum((x - mean) ** 2 for x in t) / (P - 1)
                t = [(x - mean) / math.sqrt(var + 1e-6) for x in t]
            num += sum((pred[b, n, p].item() - t[p]) ** 2 for p in range(P)) / P
            den += 1
    return num / den


# DINO: batch 3, K = 5; two teacher (global) views, four student views (two global, two local).
teacher = [fixed(3, 5, 0.0), fixed(3, 5, 0.1)]
student = [fixed(3, 5, 0.5), fixed(3, 5, 0.8), fixed(3, 5, 1.1), fixed(3, 5, 1.4)]
center = fixed(1, 5, 2.0) * 0.5
print("// DINO: teacher = {fixed(3,5,0.0), fixed(3,5,0.1)}, student = fixed(3,5,0.5|0.8|1.1|1.4),")
print("// center = 0.5 * fixed(1,5,2.0), student temp 0.1, teacher temp 0.04")
print(f"const double kDino4 = {dino(student, teacher, center, 0.1, 0.04):.12f};")
print("// the same with the two global student views only (Algorithm 1 exactly)")
print(f"const double kDino2 = {dino(student[:2], teacher, center, 0.1, 0.04):.12f};")
print("// and teacher temp 0.07, student temp 0.2")
print(f"const double kDino4Warm = {dino(student, teacher, center, 0.2, 0.07):.12f};")

# MAE: B = 2, N = 6 patches of P = 4 values; pred = fixed(12,4,0.3) viewed [2,6,4],
# target = 2 * fixed(12,4,1.0) viewed [2,6,4].
pred = fixed(12, 4, 0.3).view(2, 6, 4)
target = (2.0 * fixed(12, 4, 1.0)).view(2, 6, 4)
mask = [[1, 0, 1, 1, 0, 0], [0, 1, 1, 0, 1, 1]]
print("// MAE: pred = fixed(12,4,0.3) as [2,6,4], target = 2 fixed(12,4,1.0) as [2,6,4],")
print("// mask {{1,0,1,1,0,0},{0,1,1,0,1,1}} (1 = masked)")
print(f"const double kMae = {mae(pred, target, mask, False):.12f};")
print(f"const double kMaeNormPix = {mae(pred, target, mask, True):.12f};")
