#!/usr/bin/python3
"""An independent training loop for the parity check of bench/parity/run.sh: SimCLR, MoCo v2, BYOL,
Barlow Twins and rotation prediction on Fashion-MNIST, written from the papers with Debian's
python3-torch and torchvision's transforms, sharing no code with Pretext. What it must share with
Pretext is the experiment: the ConvNet (five conv-BN-ReLU stages of widths w, 2w, 4w, 4w, 2w, a 5x5
kernel first and 3x3 after, 2x2 max-pool after the first two, global average pooling), the
augmentation presets, SGD with momentum and its schedule, the batch and the budget, and the two
evaluations on the frozen encoder (weighted k-NN, linear probe).

    /usr/bin/python3 bench/parity/reference_train.py --method simclr --seed 1 --subset 10000 --epochs 1

Prints one JSON line: method, seed, k-NN accuracy (k=200, T=0.07), probe accuracy, training and
evaluation seconds.

Papers: Chen et al. 2020 (SimCLR: NT-Xent, eq. 1), Chen, Fan, Girshick & He 2020 (MoCo v2: InfoNCE
against a queue of momentum-encoder keys, MLP head), Grill et al. 2020 (BYOL: predictor, normalised
MSE 2 - 2 cos, symmetrised, target momentum 1 - (1 - m0)(cos(pi k/K) + 1)/2), Zbontar et al. 2021
(Barlow Twins: cross-correlation of the batch-standardised embeddings, (1 - C_ii)^2 + lambda C_ij^2),
Gidaris et al. 2018 (rotation: 4-way classification of 0/90/180/270 degree copies), Wu et al. 2018
(weighted k-NN: votes exp(s/T) of the k most similar training features).
"""

import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = os.environ.get("PRETEXT_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def load(root):
    def one(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(root, name)):
                return read_idx(os.path.join(root, name))
        raise SystemExit(f"{root}: no {stem}[.gz] (apt install dataset-fashion-mnist, or set PRETEXT_FASHION_MNIST)")
    return [one(s) for s in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]


# ---- the encoder ---------------------------------------------------------------------------------

class Encoder(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 4 * width, 2 * width]
        layers, cin = [], 1
        for i, w in enumerate(widths):
            k = 5 if i == 0 else 3
            layers += [nn.Conv2d(cin, w, k, padding=k // 2, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            if i < 2:
                layers.append(nn.MaxPool2d(2))
            cin = w
        self.body = nn.Sequential(*layers)
        self.dim = widths[-1]
        for m in self.modules():  # He et al. 2015 for ReLU networks
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.body(x).mean((2, 3))


def mlp(d_in, hidden, d_out):
    """SimCLR's / MoCo v2's / BYOL's projection MLP: Linear - BN - ReLU - Linear."""
    return nn.Sequential(nn.Linear(d_in, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                         nn.Linear(hidden, d_out))


# ---- the methods ----------------------------------------------------------------------------------

class SimCLR(nn.Module):
    views = 2

    def __init__(self, t=0.2, dim=128):
        super().__init__()
        self.f = Encoder()
        self.g = mlp(self.f.dim, max(self.f.dim, 256), dim)
        self.t = t

    def loss(self, x1, x2):
        z = F.normalize(self.g(self.f(torch.cat([x1, x2]))), dim=1)
        n = x1.shape[0]
        sim = z @ z.t() / self.t
        sim.fill_diagonal_(float("-inf"))  # 1[k != i] in the denominator
        target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
        return F.cross_entropy(sim, target)  # mean of l(i, j) over all 2N anchors


class MoCoV2(nn.Module):
    views = 2

    def __init__(self, t=0.2, m=0.99, queue=4096, dim=128):
        super().__init__()
        self.q_enc = nn.Sequential(Encoder(), mlp(64, 256, dim))
        self.k_enc = nn.Sequential(Encoder(), mlp(64, 256, dim))
        self.k_enc.load_state_dict(self.q_enc.state_dict())
        for p in self.k_enc.parameters():
            p.requires_grad = False
        self.f = self.q_enc[0]
        self.t, self.m = t, m
        self.register_buffer("queue", F.normalize(torch.randn(dim, queue), dim=0))
        self.ptr = 0

    def loss(self, x1, x2):
        q = F.normalize(self.q_enc(x1), dim=1)
        with torch.no_grad():
            k = F.normalize(self.k_enc(x2), dim=1)
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ self.queue.clone()], 1) / self.t
        loss = F.cross_entropy(logits, torch.zeros(len(q), dtype=torch.long))
        with torch.no_grad():
            idx = (self.ptr + torch.arange(len(k))) % self.queue.shape[1]
            self.queue[:, idx] = k.t()
            self.ptr = int((self.ptr + len(k)) % self.queue.shape[1])
        return loss

    @torch.no_grad()
    def after_step(self, progress):
        for pk, pq in zip(self.k_enc.parameters(), self.q_enc.parameters()):
            pk.mul_(self.m).add_(pq, alpha=1 - self.m)
        for bk, bq in zip(self.k_enc.buffers(), self.q_enc.buffers()):
            bk.copy_(bq)


class BYOL(nn.Module):
    views = 2

    def __init__(self, m0=0.99, dim=128, hidden=512):
        super().__init__()
        self.online = nn.Sequential(Encoder(), mlp(64, hidden, dim))
        self.predictor = mlp(dim, hidden, dim)
        self.target = nn.Sequential(Encoder(), mlp(64, hidden, dim))
        self.target.load_state_dict(self.online.state_dict())
        for p in self.target.parameters():
            p.requires_grad = False
        self.f = self.online[0]
        self.m0 = m0

    def loss(self, x1, x2):
        x = torch.cat([x1, x2])
        p1, p2 = self.predictor(self.online(x)).chunk(2)
        with torch.no_grad():
            z1, z2 = self.target(x).chunk(2)

        def d(p, z):
            return (2 - 2 * F.cosine_similarity(p, z.detach(), dim=1)).mean()
        return d(p1, z2) + d(p2, z1)

    @torch.no_grad()
    def after_step(self, progress):
        m = 1 - (1 - self.m0) * (math.cos(math.pi * min(1.0, progress)) + 1) / 2
        for pt, po in zip(self.target.parameters(), self.online.parameters()):
            pt.mul_(m).add_(po, alpha=1 - m)
        for bt, bo in zip(self.target.buffers(), self.online.buffers()):
            bt.copy_(bo)


class BarlowTwins(nn.Module):
    views = 2

    def __init__(self, dim=256, scale=0.005):
        super().__init__()
        self.f = Encoder()
        self.h = nn.Sequential(nn.Linear(64, dim, bias=False), nn.BatchNorm1d(dim), nn.ReLU(),
                               nn.Linear(dim, dim, bias=False), nn.BatchNorm1d(dim), nn.ReLU(),
                               nn.Linear(dim, dim, bias=False))
        self.lam = 1.0 / dim
        self.scale = scale
        self.bn = nn.BatchNorm1d(dim, affine=False, track_running_stats=False)

    def loss(self, x1, x2):
        z1, z2 = self.h(self.f(torch.cat([x1, x2]))).chunk(2)
        c = self.bn(z1).t() @ self.bn(z2) / len(z1)
        on = (torch.diagonal(c) - 1).pow(2).sum()
        off = c.pow(2).sum() - torch.diagonal(c).pow(2).sum()
        return self.scale * (on + self.lam * off)


class Rotation(nn.Module):
    views = 1

    def __init__(self):
        super().__init__()
        self.f = Encoder()
        self.head = nn.Linear(self.f.dim, 4)

    def loss(self, x):
        x4 = torch.cat([torch.rot90(x, r, (2, 3)) for r in range(4)])
        y = torch.arange(4).repeat_interleave(len(x))
        return F.cross_entropy(self.head(self.f(x4)), y)


METHODS = {"simclr": SimCLR, "moco": MoCoV2, "byol": BYOL, "barlow": BarlowTwins, "rotation": Rotation}


# ---- augmentation: the SimCLR paper's recipe for gray 28x28 images ---------------------------------

def augmentation(method, mean, std):
    from torchvision import transforms as T
    if method == "rotation":
        # Light: crops of at least 72.4% of the area, horizontal flips.
        ops = [T.RandomResizedCrop(28, scale=(0.724, 1.0)), T.RandomHorizontalFlip()]
    else:
        # Crops of 35.6%-100% of the area, flips, brightness/contrast jitter 0.4 with p 0.8,
        # 3x3 Gaussian blur sigma 0.1-1 with p 0.5 (saturation, hue and grayscale: no colour).
        ops = [T.RandomResizedCrop(28, scale=(0.356, 1.0)), T.RandomHorizontalFlip(),
               T.RandomApply([T.ColorJitter(0.4, 0.4)], p=0.8),
               T.RandomApply([T.GaussianBlur(3, sigma=(0.1, 1.0))], p=0.5)]
    return T.Compose(ops + [T.ToTensor(), T.Normalize((mean,), (std,))])


class Views(torch.utils.data.Dataset):
    def __init__(self, images, transform, views):
        self.images, self.transform, self.views = images, transform, views

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        from PIL import Image
        img = Image.fromarray(self.images[i], mode="L")
        return tuple(self.transform(img) for _ in range(self.views))


# ---- evaluation on the frozen encoder --------------------------------------------------------------

@torch.no_grad()
def features(encoder, images, mean, std):
    """The pooled features [N, D] of the frozen encoder (BatchNorm with its running statistics)."""
    encoder.eval()
    out = []
    for i in range(0, len(images), 512):
        x = (torch.from_numpy(images[i:i + 512]).float().div(255).unsqueeze(1) - mean) / std
        out.append(encoder(x))
    return torch.cat(out)


@torch.no_grad()
def knn(bank, bank_labels, queries, query_labels, k=200, t=0.07, classes=10):
    correct = 0
    for i in range(0, len(queries), 1000):
        sim = queries[i:i + 1000] @ bank.t()
        s, idx = sim.topk(k, dim=1)
        votes = torch.zeros(len(s), classes).scatter_add_(1, bank_labels[idx], (s / t).exp())
        correct += (votes.argmax(1) == query_labels[i:i + 1000]).sum().item()
    return correct / len(queries)


def linear_probe(xtr, ytr, xte, yte, epochs=10, batch=256, lr=0.1, wd=5e-4, seed=0, classes=10):
    """Softmax regression on standardised features, from zero weights; SGD momentum 0.9, weight
    decay on the weights, learning rate cosine-decayed to zero over all steps."""
    mu, sd = xtr.mean(0), xtr.std(0, unbiased=False)
    sd = torch.where(sd > 0, sd, torch.ones_like(sd))
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    lin = nn.Linear(xtr.shape[1], classes)
    nn.init.zeros_(lin.weight)
    nn.init.zeros_(lin.bias)
    opt = torch.optim.SGD([{"params": [lin.weight], "weight_decay": wd}, {"params": [lin.bias], "weight_decay": 0}],
                          lr=lr, momentum=0.9)
    steps = math.ceil(len(xtr) / batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / (steps * epochs))))
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(xtr), generator=g)
        for s in range(steps):
            idx = perm[s * batch:(s + 1) * batch]
            opt.zero_grad()
            F.cross_entropy(lin(xtr[idx]), ytr[idx]).backward()
            opt.step()
            sched.step()
    with torch.no_grad():
        return (lin(xte).argmax(1) == yte).float().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", choices=sorted(METHODS), default="simclr")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--subset", type=int, default=0, help="train on the first N training images (0: all)")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--warmup-epochs", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--data", default=DATA)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)

    xtr, ytr, xte, yte = load(args.data)
    train = xtr[:args.subset] if args.subset > 0 else xtr
    sample = train[:10000].astype(np.float32) / 255
    mean, std = float(sample.mean()), max(float(sample.std()), 1e-3)

    model = METHODS[args.method]()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    lr = 0.06 * args.batch_size / 256
    opt = torch.optim.SGD([{"params": [p for p in params if p.dim() > 1], "weight_decay": 5e-4},
                           {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0}],
                          lr=lr, momentum=0.9)
    loader = torch.utils.data.DataLoader(Views(train, augmentation(args.method, mean, std), model.views),
                                         batch_size=args.batch_size, shuffle=True, drop_last=True,
                                         num_workers=args.workers, persistent_workers=args.workers > 0)
    total = len(loader) * args.epochs
    warmup = round(args.warmup_epochs * len(loader))
    step, losses = 0, []
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        for views in loader:
            # Linear warm-up, then cosine decay to zero, per step.
            scale = (step + 1) / warmup if step < warmup else \
                0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))
            for group in opt.param_groups:
                group["lr"] = lr * scale
            opt.zero_grad()
            loss = model.loss(*views)
            loss.backward()
            opt.step()
            step += 1
            if hasattr(model, "after_step"):
                model.after_step(step / total)
            losses.append(loss.item())
        print(f"epoch {epoch + 1}: mean loss {np.mean(losses[-len(loader):]):.4f}", flush=True, file=os.sys.stderr)
    train_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    enc = model.f
    ftr, fte = features(enc, xtr, mean, std), features(enc, xte, mean, std)  # each image once, for both
    knn_acc = knn(F.normalize(ftr, dim=1), torch.from_numpy(ytr).long(), F.normalize(fte, dim=1),
                  torch.from_numpy(yte).long())
    probe_acc = linear_probe(ftr, torch.from_numpy(ytr).long(), fte, torch.from_numpy(yte).long())
    print(json.dumps({"method": args.method, "side": "reference", "seed": args.seed, "knn": round(knn_acc, 4),
                      "probe": round(probe_acc, 4), "train_seconds": round(train_seconds, 1),
                      "eval_seconds": round(time.perf_counter() - t1, 1), "final_loss": round(losses[-1], 4),
                      "images": len(train), "epochs": args.epochs, "threads": args.threads}), flush=True)


if __name__ == "__main__":
    main()
