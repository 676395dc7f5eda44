#!/usr/bin/python3
"""Reference values for tests/tst_eval.cpp, computed with Debian's python3-torch from the
protocols' formulas written independently of Pretext's C++ code (explicit loops and hand-written
gradients, no autograd where the C++ uses it). Run from the project root:

    /usr/bin/python3 tests/reference/eval_references.py

The inputs are deterministic (built from sin of indices) so the C++ test rebuilds them exactly.
"""
import math
import torch

torch.set_default_dtype(torch.float64)


def fixed(rows, cols, phase):
    """x[i, j] = sin(0.7 i + 1.3 j + phase) + 0.1 j"""
    i = torch.arange(rows).unsqueeze(1).double()
    j = torch.arange(cols).unsqueeze(0).double()
    return torch.sin(0.7 * i + 1.3 * j + phase) + 0.1 * j


def unit(x):
    return x / x.norm(dim=1, keepdim=True)


def linear_probe(x, y, classes, epochs, lr, momentum, wd):
    """Full-batch softmax regression from zero weights; the cross-entropy gradient written out:
    dL/dW = (softmax(XW^T + b) - onehot(y))^T X / n; SGD with momentum as PyTorch (v = mu v + g,
    w -= lr_t v) and weight decay on W only; lr_t = lr (1 + cos(pi t / T)) / 2."""
    n, d = x.shape
    w = [[0.0] * d for _ in range(classes)]
    b = [0.0] * classes
    vw = [[0.0] * d for _ in range(classes)]
    vb = [0.0] * classes
    for t in range(epochs):
        gw = [[0.0] * d for _ in range(classes)]
        gb = [0.0] * classes
        for i in range(n):
            logits = [sum(w[c][k] * x[i][k].item() for k in range(d)) + b[c] for c in range(classes)]
            m = max(logits)
            e = [math.exp(l - m) for l in logits]
            s = sum(e)
            for c in range(classes):
                g = e[c] / s - (1.0 if c == int(y[i]) else 0.0)
                gb[c] += g / n
                for k in range(d):
                    gw[c][k] += g * x[i][k].item() / n
        rate = lr * 0.5 * (1 + math.cos(math.pi * t / epochs))
        for c in range(classes):
            for k in range(d):
                vw[c][k] = momentum * vw[c][k] + gw[c][k] + wd * w[c][k]
                w[c][k] -= rate * vw[c][k]
            vb[c] = momentum * vb[c] + gb[c]
            b[c] -= rate * vb[c]
    return w, b


def probe_loss_and_accuracy(x, y, w, b, classes):
    loss, correct = 0.0, 0
    for i in range(x.shape[0]):
        logits = [sum(w[c][k] * x[i][k].item() for k in range(x.shape[1])) + b[c] for c in range(classes)]
        m = max(logits)
        lse = m + math.log(sum(math.exp(l - m) for l in logits))
        loss += lse - logits[int(y[i])]
        correct += int(max(range(classes), key=lambda c: logits[c]) == int(y[i]))
    return loss / x.shape[0], correct / x.shape[0]


def retrieval(q, ql, db, dbl, ks, cutoff):
    """Rank the database by cosine similarity (ties by index), P@K and AP as defined in IR texts."""
    pk = [0.0] * len(ks)
    ap_sum = 0.0
    for i in range(q.shape[0]):
        sims = [(-(q[i] @ db[j]).item(), j) for j in range(db.shape[0])]
        ranking = [j for _, j in sorted(sims)]
        rel = [int(dbl[j]) == int(ql[i]) for j in ranking]
        for a, k in enumerate(ks):
            pk[a] += sum(rel[:k]) / k
        total = sum(1 for j in range(db.shape[0]) if int(dbl[j]) == int(ql[i]))
        depth = len(rel) if cutoff == 0 else cutoff
        r = total if cutoff == 0 else min(total, cutoff)
        hits, s = 0, 0.0
        for k in range(depth):
            if rel[k]:
                hits += 1
                s += hits / (k + 1)
        ap_sum += s / r if r else 0.0
    return [p / q.shape[0] for p in pk], ap_sum / q.shape[0]


def align_uniform(x, y, alpha, t):
    """Wang & Isola 2020, eqs. (4) and (5), as explicit sums."""
    n = x.shape[0]
    align = sum(((x[i] - y[i]) ** 2).sum().item() ** (alpha / 2) for i in range(n)) / n
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    uniform = math.log(sum(math.exp(-t * ((x[i] - x[j]) ** 2).sum().item()) for i, j in pairs) / len(pairs))
    return align, uniform


def pca2(x):
    """Projections on the two leading right-singular vectors of the centred data, each vector's
    largest-magnitude entry made positive."""
    xc = x - x.mean(0, keepdim=True)
    _, _, vt = torch.linalg.svd(xc, full_matrices=False)
    v = vt[:2].t().clone()
    for c in range(2):
        if v[v[:, c].abs().argmax(), c] < 0:
            v[:, c] = -v[:, c]
    return xc @ v


def tsne_gradient(p, y):
    """d KL(P || Q) / dY by autograd on the t-SNE objective (van der Maaten & Hinton 2008, eq. 2
    with the Student-t Q of section 3.3): independent of the closed-form eq. (5) the C++ uses."""
    y = y.clone().requires_grad_(True)
    n = y.shape[0]
    d2 = ((y.unsqueeze(1) - y.unsqueeze(0)) ** 2).sum(2)
    w = 1.0 / (1.0 + d2)
    w = w * (1 - torch.eye(n))
    q = w / w.sum()
    mask = p > 0
    kl = (p[mask] * torch.log(p[mask] / q[mask])).sum()
    kl.backward()
    return y.grad


def fmt(v):
    return "%.12g" % v


def emit(name, values):
    print("const std::vector<double> %s = {%s};" % (name, ", ".join(fmt(v) for v in values)))


if __name__ == "__main__":
    print("// Generated by tests/reference/eval_references.py; do not edit by hand.")
    # Linear probe: 12 training rows of 4 features, 3 classes; 6 test rows.
    x, tx = fixed(12, 4, 0.3), fixed(6, 4, 0.9)
    y, ty = torch.arange(12) % 3, torch.arange(6) % 3
    w, b = linear_probe(x, y, 3, epochs=25, lr=0.5, momentum=0.9, wd=0.01)
    loss, train_acc = probe_loss_and_accuracy(x, y, w, b, 3)
    _, test_acc = probe_loss_and_accuracy(tx, ty, w, b, 3)
    emit("kProbeWeight", [v for row in w for v in row])
    emit("kProbeBias", b)
    emit("kProbeLossTrainTest", [loss, train_acc, test_acc])
    # Retrieval: 5 queries, 20 database items in 3 classes.
    q, db = unit(fixed(5, 3, 0.2)), unit(fixed(20, 3, 0.7))
    ql, dbl = torch.arange(5) % 3, (torch.arange(20) * 7) % 3
    pk, m = retrieval(q, ql, db, dbl, [1, 5], 0)
    _, m5 = retrieval(q, ql, db, dbl, [1, 5], 5)
    emit("kRetrievalP1P5MapMap5", pk + [m, m5])
    # Alignment and uniformity of two normalised views of 6 points in 4-D.
    a, u = align_uniform(unit(fixed(6, 4, 0.1)), unit(fixed(6, 4, 0.5)), 2.0, 2.0)
    a1, _ = align_uniform(unit(fixed(6, 4, 0.1)), unit(fixed(6, 4, 0.5)), 1.0, 2.0)
    emit("kAlignUniformAlign1", [a, u, a1])
    # PCA of 10 points in 4-D.
    emit("kPca", pca2(fixed(10, 4, 0.3)).flatten().tolist())
    # t-SNE gradient for a symmetric P over 7 points and a fixed 2-D layout.
    raw = fixed(7, 7, 0.4).abs() + 0.05
    raw = (raw + raw.t()) * (1 - torch.eye(7))
    p = raw / raw.sum()
    emit("kTsneGradient", tsne_gradient(p, fixed(7, 2, 1.7) * 3.0).flatten().tolist())
