#!/usr/bin/python3
"""Reference values for tests/tst_contrastive_clustering.cpp (InstDisc, SimSiam, Barlow Twins, SwAV,
DeepCluster), computed with Debian's python3-torch from the papers' formulas, written out with
explicit loops and independently of Pretext's C++ code. Run from the project root:

    /usr/bin/python3 tests/reference/contrastive_clustering_references.py

The inputs are the deterministic fixed(rows, cols, phase) matrices that the C++ test rebuilds.
"""
import math
import torch

from fixedinputs import fixed

torch.set_default_dtype(torch.float64)


def unit_rows(x):
    return [[x[i][j] / math.sqrt(sum(v * v for v in x[i])) for j in range(len(x[i]))] for i in range(len(x))]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def instdisc_normaliser(f, noise, n, t):
    # InstDisc sec. 3.2: Z ~ n E_j[exp(v_j.f_i / t)], the mean over the batch and the noise samples.
    total = 0.0
    for fi in f:
        for v in noise:
            total += math.exp(dot(v, fi) / t)
    return n * total / (len(f) * len(noise))


def instdisc_nce(f, positives, noise, z, n, t):
    # InstDisc eq. (4)-(6): P(i|v) = exp(v.f_i/t)/Z, h = P/(P + m Pn), Pn = 1/n;
    # J = -log h(i, v_i) - sum_k log(1 - h(i, v_k)), averaged over the batch.
    m = len(noise)
    total = 0.0
    for fi, vi in zip(f, positives):
        p = math.exp(dot(vi, fi) / t) / z
        loss = -math.log(p / (p + m / n))
        for v in noise:
            pk = math.exp(dot(v, fi) / t) / z
            loss -= math.log(1.0 - pk / (pk + m / n))
        total += loss
    return total / len(f)


def to_lists(x):
    return [[float(v) for v in row] for row in x]


f = unit_rows(to_lists(fixed(4, 6, 0.2)))
pos = unit_rows(to_lists(fixed(4, 6, 0.5)))
noise = unit_rows(to_lists(fixed(5, 6, 1.1)))
print("// InstDisc: f = fixed(4,6,0.2), v_i = fixed(4,6,0.5), noise = fixed(5,6,1.1) (rows normalised), n = 100")
z = instdisc_normaliser(f, noise, 100, 0.5)
print(f"const double kInstDiscZ_t05 = {z:.12f};")
print(f"const double kInstDiscNce_t05 = {instdisc_nce(f, pos, noise, z, 100, 0.5):.12f};")
z07 = instdisc_normaliser(f, noise, 100, 0.07)
print(f"const double kInstDiscZ_t007 = {z07:.12f};")
print(f"const double kInstDiscNce_t007 = {instdisc_nce(f, pos, noise, z07, 100, 0.07):.12f};")


def simsiam(p1, p2, z1, z2):
    # SimSiam eq. (1)-(2): D(p, z) = -p/|p| . z/|z|;  L = D(p1, z2)/2 + D(p2, z1)/2, mean over the batch.
    def d(p, z):
        total = 0.0
        for a, b in zip(p, z):
            total += -dot(a, b) / math.sqrt(dot(a, a) * dot(b, b))
        return total / len(p)
    return d(p1, z2) / 2 + d(p2, z1) / 2


print("// SimSiam: p1 = fixed(5,4,0.3), p2 = fixed(5,4,0.9), z1 = fixed(5,4,1.7), z2 = fixed(5,4,2.5)")
p1, p2, z1, z2 = (to_lists(fixed(5, 4, ph)) for ph in (0.3, 0.9, 1.7, 2.5))
print(f"const double kSimSiam = {simsiam(p1, p2, z1, z2):.12f};")


def barlow(z1, z2, lam, eps=1e-5):
    # Barlow Twins eq. (1)-(2): each embedding dimension standardised over the batch (mean 0,
    # variance 1 with the biased estimate and BatchNorm's eps, as the authors' code),
    # C_ij = sum_b z1n[b][i] z2n[b][j] / B;  L = sum_i (1 - C_ii)^2 + lam sum_{i != j} C_ij^2.
    b, d = len(z1), len(z1[0])

    def standardise(z):
        out = [[0.0] * d for _ in range(b)]
        for j in range(d):
            mean = sum(z[i][j] for i in range(b)) / b
            var = sum((z[i][j] - mean) ** 2 for i in range(b)) / b
            for i in range(b):
                out[i][j] = (z[i][j] - mean) / math.sqrt(var + eps)
        return out

    a, c2 = standardise(z1), standardise(z2)
    loss = 0.0
    for i in range(d):
        for j in range(d):
            cij = sum(a[n][i] * c2[n][j] for n in range(b)) / b
            loss += (1 - cij) ** 2 if i == j else lam * cij ** 2
    return loss


print("// Barlow Twins: z1 = fixed(6,4,0.1), z2 = fixed(6,4,0.8)")
bz1, bz2 = to_lists(fixed(6, 4, 0.1)), to_lists(fixed(6, 4, 0.8))
print(f"const double kBarlow_l03 = {barlow(bz1, bz2, 0.3):.12f};")
print(f"const double kBarlow_l0005 = {barlow(bz1, bz2, 0.005):.12f};")


def sinkhorn(scores, eps, iters):
    # SwAV Algorithm 1 / eq. (3)-(5): Q = exp(scores / eps)^T [K x B], normalised to total 1; each
    # iteration makes every prototype row sum to 1/K, then every image column sum to 1/B; finally
    # scaled by B so that each image's code sums to 1. Returns [B][K].
    b, k = len(scores), len(scores[0])
    q = [[math.exp(scores[n][c] / eps) for n in range(b)] for c in range(k)]
    total = sum(sum(row) for row in q)
    q = [[v / total for v in row] for row in q]
    for _ in range(iters):
        for c in range(k):
            r = sum(q[c])
            q[c] = [v / r / k for v in q[c]]
        for n in range(b):
            col = sum(q[c][n] for c in range(k))
            for c in range(k):
                q[c][n] = q[c][n] / col / b
    return [[q[c][n] * b for c in range(k)] for n in range(b)]


def swav(s1, s2, q1, q2, tau):
    # SwAV eq. (2)-(3): l(z_t, q_s) = -sum_k q_s^k log softmax(z_t.c / tau)^k; [l(z1, q2) + l(z2, q1)] / 2.
    def ce(s, q):
        total = 0.0
        for srow, qrow in zip(s, q):
            m = max(srow)
            lse = m / tau + math.log(sum(math.exp((v - m) / tau) for v in srow))
            total += -sum(qk * (sk / tau - lse) for qk, sk in zip(qrow, srow))
        return total / len(s)
    return (ce(s1, q2) + ce(s2, q1)) / 2


print("// SwAV: scores1 = fixed(6,5,0.2)/10, scores2 = fixed(6,5,1.0)/10, eps 0.05, 3 iterations, tau 0.1")
s1 = [[v / 10 for v in row] for row in to_lists(fixed(6, 5, 0.2))]
s2 = [[v / 10 for v in row] for row in to_lists(fixed(6, 5, 1.0))]
q1, q2 = sinkhorn(s1, 0.05, 3), sinkhorn(s2, 0.05, 3)
print(f"const double kSinkhorn_q1_00 = {q1[0][0]:.12f};")
print(f"const double kSinkhorn_q1_23 = {q1[2][3]:.12f};")
print(f"const double kSinkhorn_q2_51 = {q2[5][1]:.12f};")
print(f"const double kSwav_t01 = {swav(s1, s2, q1, q2, 0.1):.12f};")
