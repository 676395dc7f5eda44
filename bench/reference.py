#!/usr/bin/python3
"""The PyTorch reference for pretext-bench: the same method, ConvNet, batch, image size and
augmentations as Pretext, written the usual way in Python. Run with Debian's python3-torch:

    /usr/bin/python3 bench/reference.py --method simclr --variant pipeline --steps 30

Variants:
  pipeline  torchvision transforms per PIL image in a DataLoader with workers (the usual pipeline)
  step      forward + backward + SGD step alone on pre-made tensors (the compute ceiling)
  load      Fashion-MNIST's four IDX .gz files read with gzip + numpy (median of --repeats)
  knn       weighted k-NN monitor (k=200, T=0.07) of a random-init ConvNet: features of the
            60,000 training images (the bank) and of the 10,000 test images, then the votes

Prints one JSON line. Throughput counts source images per second: a SimCLR step on B images
(2B views) and a rotation step on B images (4B rotated copies) both count B.
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_DATA = os.environ.get("PRETEXT_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


# ---- data -----------------------------------------------------------------------------------

def read_idx(path):
    """An IDX file (gzip or plain) as a numpy array of its dtype and shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4).astype(np.int64)
    assert data[2] == 0x08, f"{path}: expected uint8 IDX data"
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims).copy()  # writable, owned


def idx_file(root, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(root, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{root}: no {stem}[.gz]")


def load_fashion_mnist(root):
    """(train images [60000,28,28], train labels, test images [10000,28,28], test labels), uint8."""
    return tuple(read_idx(idx_file(root, stem)) for stem in (
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))


def channel_stats(images):
    """Mean and std over (up to) the first 10,000 images, as Pretext's Trainer computes them."""
    sample = images[:10000].astype(np.float32) / 255.0
    return float(sample.mean()), float(sample.std())


# ---- model: core/src/models/convnet.cpp, layers.h -------------------------------------------

class ConvBnRelu(nn.Sequential):
    def __init__(self, cin, cout, kernel, pool):
        layers = [nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(cout),
                  nn.ReLU(inplace=True)]
        if pool:
            layers.append(nn.MaxPool2d(2))
        super().__init__(*layers)


class ConvNet(nn.Module):
    def __init__(self, in_channels=1, width=32):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 4 * width, 2 * width]
        stages, cin = [], in_channels
        for i, w in enumerate(widths):
            stages.append(ConvBnRelu(cin, w, 5 if i == 0 else 3, pool=i < 2))
            cin = w
        self.stages = nn.Sequential(*stages)
        self.feature_dim = widths[-1]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.stages(x).mean((2, 3))


def mlp_head(d_in, hidden, d_out):
    """core/src/methods/method.cpp mlpHead: Linear(no bias)-BN1d-ReLU-Linear."""
    return nn.Sequential(nn.Linear(d_in, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                         nn.Linear(hidden, d_out))


def nt_xent_loss(z1, z2, temperature):
    """SimCLR eq. (1), Chen et al. 2020; as core/src/methods/simclr.cpp ntXentLoss."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    logits = (z @ z.t()) / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool), -1e9)
    idx = torch.arange(n)
    return F.cross_entropy(logits, torch.cat([idx + n, idx]))


class SimCLR(nn.Module):
    def __init__(self, temperature=0.2, proj_dim=128):
        super().__init__()
        self.backbone = ConvNet()
        d = self.backbone.feature_dim
        self.projector = mlp_head(d, max(d, 256), proj_dim)
        self.temperature = temperature

    def step(self, views):
        """views: [2B, 1, 28, 28], both views of the batch concatenated (one forward)."""
        z1, z2 = self.projector(self.backbone(views)).chunk(2)
        return nt_xent_loss(z1, z2, self.temperature)


def rotation_batch(images):
    """core/src/methods/rotation.cpp rotationBatch: [4B] copies rotated by 0, 90, 180, 270 degrees."""
    b = images.shape[0]
    rotated = torch.cat([torch.rot90(images, k, (2, 3)) for k in range(4)])
    return rotated, torch.arange(4).repeat_interleave(b)


class Rotation(nn.Module):
    """Gidaris et al. 2018: cross-entropy over the four rotated copies."""

    def __init__(self):
        super().__init__()
        self.backbone = ConvNet()
        self.head = nn.Linear(self.backbone.feature_dim, 4)

    def step(self, rotated, labels):
        return F.cross_entropy(self.head(self.backbone(rotated)), labels)


def make_optimizer(model, batch_size):
    """core/src/train/optim.cpp: SGD momentum 0.9, lr 0.06 B/256, weight decay 5e-4 on matrices only."""
    matrices = [p for p in model.parameters() if p.requires_grad and p.dim() > 1]
    vectors = [p for p in model.parameters() if p.requires_grad and p.dim() <= 1]
    lr = 0.06 * batch_size / 256
    return torch.optim.SGD([{"params": matrices, "weight_decay": 5e-4}, {"params": vectors, "weight_decay": 0.0}],
                           lr=lr, momentum=0.9)


# ---- augmentations: core/src/augment/augment.cpp AugmentConfig::simclr() / light() ----------

def transforms_for(method, mean, std):
    """The preset's ops that apply to 1-channel images, in Pretext's order
    (crop -> flip -> jitter -> grayscale -> blur); saturation, hue and grayscale need colour."""
    from torchvision import transforms as T
    if method == "simclr":
        s = 0.5  # jitter and blur strength
        ops = [T.RandomResizedCrop(28, scale=(1 - 0.92 * 0.7, 1.0)),
               T.RandomHorizontalFlip(0.5),
               T.RandomApply([T.ColorJitter(brightness=0.8 * s, contrast=0.8 * s)], p=0.8),
               # radius max(1, round(0.05 * 28)) = 1: a 3-tap kernel, sigma in [0.1, 2 s]
               T.RandomApply([T.GaussianBlur(3, sigma=(0.1, 2 * s))], p=0.5)]
    else:
        ops = [T.RandomResizedCrop(28, scale=(1 - 0.92 * 0.3, 1.0)), T.RandomHorizontalFlip(0.5)]
    return T.Compose(ops + [T.ToTensor(), T.Normalize((mean,), (std,))])


class FashionMNISTViews(torch.utils.data.Dataset):
    """Training images as PIL images through `transform`; two views each when `views` is 2."""

    def __init__(self, images, transform, views):
        self.images, self.transform, self.views = images, transform, views

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        from PIL import Image
        image = Image.fromarray(self.images[i], mode="L")
        if self.views == 2:
            return self.transform(image), self.transform(image)
        return self.transform(image)


# ---- measurements ----------------------------------------------------------------------------

def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_peak_rss_mb(iterator):
    """Sum of the DataLoader workers' peak RSS (VmHWM), read while they are alive."""
    total = 0.0
    for w in getattr(iterator, "_workers", []):
        try:
            with open(f"/proc/{w.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024.0
        except OSError:
            pass
    return total


def train_step(model, optimizer, inputs):
    optimizer.zero_grad(set_to_none=False)  # LibTorch 1.13's zero_grad zeroes in place
    loss = model.step(*inputs)
    loss.backward()
    optimizer.step()
    return loss.item()  # Pretext reads the loss every step too


def run_training(args):
    torch.manual_seed(1)
    model = SimCLR() if args.method == "simclr" else Rotation()
    model.train()
    optimizer = make_optimizer(model, args.batch_size)
    b = args.batch_size
    times = []
    result = {}

    if args.variant == "step":
        # Pre-made normalised inputs of the right shapes: 2B views (SimCLR) or 4B rotated copies.
        rows = 2 * b if args.method == "simclr" else 4 * b
        x = torch.randint(0, 256, (rows, 1, 28, 28), dtype=torch.uint8).float().div_(255.0)
        x = (x - 0.286) / 0.353
        inputs = (x,) if args.method == "simclr" else (x, torch.arange(4).repeat_interleave(b))
        for i in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            train_step(model, optimizer, inputs)
            if i >= args.warmup:
                times.append(time.perf_counter() - t0)
    else:
        train_images, _, _, _ = load_fashion_mnist(args.data)
        mean, std = channel_stats(train_images)
        dataset = FashionMNISTViews(train_images, transforms_for(args.method, mean, std),
                                    2 if args.method == "simclr" else 1)
        loader = torch.utils.data.DataLoader(dataset, batch_size=b, shuffle=True, drop_last=True,
                                             num_workers=args.workers, persistent_workers=args.workers > 0)
        needed = args.warmup + args.steps
        if needed > len(loader):
            raise SystemExit(f"--warmup + --steps ({needed}) exceeds one epoch ({len(loader)} batches)")
        iterator = iter(loader)
        for i in range(needed):
            t0 = time.perf_counter()
            batch = next(iterator)
            if args.method == "simclr":
                inputs = (torch.cat(batch),)
            else:
                inputs = rotation_batch(batch)
            train_step(model, optimizer, inputs)
            t1 = time.perf_counter()
            if i >= args.warmup:
                times.append(t1 - t0)
        result["workers_peak_rss_mb"] = round(worker_peak_rss_mb(iterator), 1)
        del iterator, loader

    result.update({
        "method": args.method,
        "variant": args.variant,
        "images_per_second": round(b / statistics.median(times), 1),
        "mean_images_per_second": round(b * len(times) / sum(times), 1),
        "threads": torch.get_num_threads(),
        "workers": args.workers if args.variant == "pipeline" else 0,
        "batch_size": b,
        "steps": len(times),
        "warmup": args.warmup,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    })
    result["total_peak_rss_mb"] = round(result["peak_rss_mb"] + result.get("workers_peak_rss_mb", 0.0), 1)
    return result


def run_load(args):
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        data = load_fashion_mnist(args.data)
        times.append(time.perf_counter() - t0)
        assert data[0].shape == (60000, 28, 28) and data[2].shape == (10000, 28, 28)
    return {"variant": "load", "seconds": round(statistics.median(times), 4), "repeats": args.repeats,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


@torch.no_grad()
def extract_features(backbone, images, mean, std, batch_size=512):
    """core/src/eval/knn.cpp extractFeatures: normalised pooled features, eval mode, batches of 512."""
    backbone.eval()
    chunks = []
    for i in range(0, len(images), batch_size):
        x = torch.from_numpy(images[i:i + batch_size]).unsqueeze(1).float().div_(255.0)
        chunks.append(F.normalize(backbone((x - mean) / std).flatten(1), dim=1))
    return torch.cat(chunks)


@torch.no_grad()
def knn_predict(bank, bank_labels, queries, num_classes, k, temperature, chunk=1024):
    """InstDisc weighted k-NN (Wu et al. 2018, sec. 3.4), as core/src/eval/knn.cpp knnPredict."""
    predictions = []
    for i in range(0, len(queries), chunk):
        q = queries[i:i + chunk]
        sims, index = (q @ bank.t()).topk(k, dim=1)
        weights = (sims / temperature).exp()
        votes = torch.zeros(len(q), num_classes).scatter_add_(1, bank_labels[index], weights)
        predictions.append(votes.argmax(1))
    return torch.cat(predictions)


def run_knn(args):
    torch.manual_seed(1)
    train_images, train_labels, test_images, test_labels = load_fashion_mnist(args.data)
    mean, std = channel_stats(train_images)
    backbone = ConvNet()
    bank_labels = torch.from_numpy(train_labels.astype(np.int64))
    test = torch.from_numpy(test_labels.astype(np.int64))
    times, accuracy = [], 0.0
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        bank = extract_features(backbone, train_images, mean, std)
        t1 = time.perf_counter()
        queries = extract_features(backbone, test_images, mean, std)
        accuracy = knn_predict(bank, bank_labels, queries, 10, 200, 0.07).eq(test).float().mean().item()
        times.append((time.perf_counter() - t0, t1 - t0))
    total, bank_seconds = sorted(times)[len(times) // 2]
    return {"variant": "knn", "seconds": round(total, 3), "bank_seconds": round(bank_seconds, 3),
            "accuracy": round(accuracy, 4), "bank": len(train_images), "queries": len(test_images),
            "threads": torch.get_num_threads(), "peak_rss_mb": round(peak_rss_mb(), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", choices=["simclr", "rotation"], default="simclr")
    parser.add_argument("--variant", choices=["pipeline", "step", "load", "knn"], default="pipeline")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=30, help="timed steps after the warm-up")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads in the main process")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (pipeline)")
    parser.add_argument("--repeats", type=int, default=3, help="load, knn: runs whose median is reported")
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder of Fashion-MNIST's IDX files")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    if args.variant == "load":
        result = run_load(args)
    elif args.variant == "knn":
        result = run_knn(args)
    else:
        result = run_training(args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
