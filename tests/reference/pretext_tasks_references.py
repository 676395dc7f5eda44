#!/usr/bin/python3
"""Reference values for tests/tst_pretext_tasks.cpp (jigsaw, context prediction, colorization,
inpainting), computed with Debian's python3-torch from the papers' formulas written independently
of Pretext's C++ code, mostly as explicit loops. Run from the project root:

    /usr/bin/python3 tests/reference/pretext_tasks_references.py

The inputs are deterministic (built from sin of indices) so the C++ test rebuilds them exactly.
"""
import itertools
import math
import torch

from fixedinputs import fixed

torch.set_default_dtype(torch.float64)


# --- Jigsaw: Noroozi & Favaro 2016, Algorithm 1 (greedy maximal Hamming distance) ---------------
def hamming_set(count):
    # Start from the identity (the first permutation in lexicographic order); then repeatedly add the
    # permutation with the largest minimum distance to the chosen ones, ties broken by the largest
    # total distance (the paper's criterion), then by the first in lexicographic order.
    perms = torch.tensor(list(itertools.permutations(range(9))), dtype=torch.int64)
    min_d = torch.full((perms.shape[0],), 10, dtype=torch.int64)
    sum_d = torch.zeros(perms.shape[0], dtype=torch.int64)
    chosen = [0]
    while True:
        d = (perms != perms[chosen[-1]]).sum(1)
        min_d = torch.minimum(min_d, d)
        sum_d += d
        if len(chosen) == count:
            break
        key = min_d * 100000 + sum_d
        best = int((key == key.max()).nonzero()[0])
        chosen.append(best)
    return perms[chosen]


P = hamming_set(100)
print("// Jigsaw: maximalHammingPermutations(100), Noroozi & Favaro 2016 Algorithm 1")
for n in range(5):
    print("// row %d: %s" % (n, ", ".join(str(int(v)) for v in P[n])))
print("const int64_t kJigsawRows[5][9] = {%s};" % ", ".join(
    "{" + ", ".join(str(int(v)) for v in P[n]) + "}" for n in range(5)))
weights = torch.arange(1, 101).unsqueeze(1) * torch.arange(1, 10).unsqueeze(0)
print("const int64_t kJigsawChecksum = %d;  // sum_n sum_i (n+1)(i+1) P[n][i]" % int((P * weights).sum()))
dmin = min(int((P[a] != P[b]).sum()) for a in range(100) for b in range(a + 1, 100))
print("const int64_t kJigsawMinDistance = %d;" % dmin)


# --- Colorization: Zhang, Isola & Efros 2016 -----------------------------------------------------
def srgb_to_lab(r, g, b):
    # sRGB transfer curve, IEC 61966-2-1 matrix, CIE L*a*b* with the D65 white point.
    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = lin(r), lin(g), lin(b)
    X = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    Y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    Z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    Xn, Yn, Zn = 0.95047, 1.0, 1.08883

    def f(t):
        d = 6.0 / 29.0
        return t ** (1.0 / 3.0) if t > d ** 3 else t / (3 * d * d) + 4.0 / 29.0
    fx, fy, fz = f(X / Xn), f(Y / Yn), f(Z / Zn)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


# Colours: rgb = (fixed(6,3,0.5) + 1.3) / 2.6, clamped to [0, 1].
cols = ((fixed(6, 3, 0.5) + 1.3) / 2.6).clamp(0, 1)
print("// Lab of the colours (fixed(6,3,0.5) + 1.3) / 2.6, clamped to [0,1]")
labs = [srgb_to_lab(*[float(v) for v in cols[i]]) for i in range(6)]
print("const double kLab[6][3] = {%s};" % ", ".join(
    "{%.6f, %.6f, %.6f}" % lab for lab in labs))


def soft_encode(ab, centres, k, sigma):
    # Sec. 2.1: the k nearest bin centres, Gaussian weights exp(-d^2 / 2 sigma^2), normalised.
    out_i, out_w = [], []
    for p in ab:
        d2 = [float(((p - c) ** 2).sum()) for c in centres]
        order = sorted(range(len(centres)), key=lambda q: d2[q])[:k]
        w = [math.exp(-d2[q] / (2 * sigma * sigma)) for q in order]
        s = sum(w)
        out_i.append(order)
        out_w.append([x / s for x in w])
    return out_i, out_w


centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [20.0, 20.0], [-10.0, 0.0]])
ab = 12.0 * fixed(4, 2, 0.1)
idx, w = soft_encode(ab, centres, 2, 5.0)
print("// softEncodeAb(12 fixed(4,2,0.1), centres {(0,0),(10,0),(0,10),(20,20),(-10,0)}, k=2, sigma=5)")
print("const int64_t kSoftIndex[4][2] = {%s};" % ", ".join("{%d, %d}" % tuple(r) for r in idx))
print("const double kSoftWeight[4][2] = {%s};" % ", ".join("{%.9f, %.9f}" % tuple(r) for r in w))


def rebalance(p, centres, lam, sigma):
    # Eq. (4): p~ = p smoothed by a Gaussian over the bins (each bin's mass spread over the bins by
    # the normalised kernel), w = 1 / ((1 - lam) p~ + lam / Q), scaled so that sum_q p~_q w_q = 1.
    Q = len(p)
    G = [[math.exp(-float(((centres[a] - centres[b]) ** 2).sum()) / (2 * sigma * sigma)) for b in range(Q)]
         for a in range(Q)]
    col = [sum(G[a][b] for a in range(Q)) for b in range(Q)]
    ps = [sum(G[a][b] / col[b] * p[b] for b in range(Q)) for a in range(Q)]
    s = sum(ps)
    ps = [x / s for x in ps]
    w = [1.0 / ((1 - lam) * x + lam / Q) for x in ps]
    e = sum(x * y for x, y in zip(ps, w))
    return ps, [x / e for x in w]


ps, rw = rebalance([0.5, 0.2, 0.1, 0.15, 0.05], centres, 0.5, 5.0)
print("// rebalancingWeights(p = {0.5, 0.2, 0.1, 0.15, 0.05}, the centres above, lambda 0.5, sigma 5)")
print("const double kSmoothed[5] = {%s};" % ", ".join("%.9f" % x for x in ps))
print("const double kRebalance[5] = {%s};" % ", ".join("%.9f" % x for x in rw))


def colorization_loss(logits, idx, wts, cw):
    # Eq. (2): -sum_p v(Z_p) sum_q Z_pq log softmax(z_p)_q, v(Z_p) = w[argmax_q Z_pq]; mean over pixels.
    total = 0.0
    for p in range(logits.shape[0]):
        row = [float(v) for v in logits[p]]
        m = max(row)
        lse = m + math.log(sum(math.exp(v - m) for v in row))
        inner = sum(wts[p][j] * (row[idx[p][j]] - lse) for j in range(len(idx[p])))
        total += -cw[idx[p][0]] * inner
    return total / logits.shape[0]


logits = 3.0 * fixed(6, 5, 0.3)
cidx = [[p % 5, (p + 2) % 5] for p in range(6)]
cw = [0.5 + 0.1 * q for q in range(5)]
print("// colorizationLoss(3 fixed(6,5,0.3), indices {p%5, (p+2)%5}, weights {0.7, 0.3}, class weights 0.5 + 0.1 q)")
print("const double kColorizationLoss = %.12f;" % colorization_loss(logits, cidx, [[0.7, 0.3]] * 6, cw))


# --- Inpainting: Pathak et al. 2016 eq. (1) ---------------------------------------------------------
def masked_l2(pred, target, mask, visible_weight):
    # ||M (x - F((1-M) x))||^2 + visible_weight ||(1-M)(x - F)||^2, over the number of hidden values.
    B, C, H, W = pred.shape
    num, hidden = 0.0, 0.0
    for b in range(B):
        for c in range(C):
            for y in range(H):
                for x in range(W):
                    m = float(mask[b, 0, y, x])
                    e = float(pred[b, c, y, x] - target[b, c, y, x]) ** 2
                    num += m * e + visible_weight * (1 - m) * e
                    hidden += m
    return num / hidden


pred = fixed(16, 4, 0.2).view(2, 2, 4, 4)
target = fixed(16, 4, 1.1).view(2, 2, 4, 4)
mask = torch.zeros(2, 1, 4, 4)
for b in range(2):
    for y in range(1, 3):
        for x in range(b, b + 2):
            mask[b, 0, y, x] = 1
print("// maskedL2Loss(fixed(16,4,0.2), fixed(16,4,1.1) as [2,2,4,4], mask rows 1-2, columns b..b+1)")
print("const double kMaskedL2_v0 = %.12f;" % masked_l2(pred, target, mask, 0.0))
print("const double kMaskedL2_v01 = %.12f;" % masked_l2(pred, target, mask, 0.1))
