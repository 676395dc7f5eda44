#!/usr/bin/env python3
"""The PyTorch reference for pretext-bench on a CUDA GPU: SimCLR with the CIFAR-style ResNet-18 of
core/src/models/resnet.cpp on 32x32 colour images, the projection head of core/src/methods/method.cpp
mlpHead, NT-Xent (t = 0.2) and SGD as core/src/train/optim.cpp (momentum 0.9, lr 0.06 B/256,
weight decay 5e-4 on matrices only), written the usual way in Python with the GPU machine's torch.

    python3 bench/reference_gpu.py --variant step --batch-size 512
    python3 bench/reference_gpu.py --variant compile --batch-size 512
    python3 bench/reference_gpu.py --variant knn --data /path/to/fashion-mnist

Variants (bf16 autocast and channels_last unless --fp32 / --nchw):
  step      forward + backward + optimizer step alone on pre-made views on the GPU (eager)
  compile   the same step with the model under torch.compile (the figure to aim past)
  pipeline  torchvision transforms per PIL image in a DataLoader with workers, then the eager step
  knn       weighted k-NN monitor (k=200, T=0.07) of a random-init ConvNet on Fashion-MNIST:
            features of the 60,000 training images and the 10,000 test images, then the votes

Prints one JSON line. Throughput counts source images (pairs) per second: a step on B images
(2B views) counts B. Times are CUDA-synchronised wall times over all timed steps.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import ConvNet, channel_stats, load_fashion_mnist, mlp_head  # noqa: E402


class ConvBnRelu(nn.Sequential):
    def __init__(self, cin, cout, kernel):
        super().__init__(nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class BasicBlock(nn.Module):
    """core/src/models/resnet.cpp BasicBlockImpl."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet18(nn.Module):
    """core/src/models/resnet.cpp ResNet18Impl: 3x3 stem without pooling, four stages of two blocks."""

    def __init__(self, in_channels=3, width=64):
        super().__init__()
        self.stem = ConvBnRelu(in_channels, width, 3)
        layers, cin = [], width
        for i in range(4):
            cout = width << i
            layers.append(nn.Sequential(BasicBlock(cin, cout, 1 if i == 0 else 2), BasicBlock(cout, cout, 1)))
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.feature_dim = 8 * width
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.layers(self.stem(x)).mean((2, 3))


class SimCLR(nn.Module):
    def __init__(self, temperature=0.2, proj_dim=128):
        super().__init__()
        self.backbone = ResNet18()
        d = self.backbone.feature_dim
        self.projector = mlp_head(d, max(d, 256), proj_dim)
        self.temperature = temperature

    def forward(self, views):
        z1, z2 = self.projector(self.backbone(views)).chunk(2)
        return nt_xent_on_device(z1, z2, self.temperature)


def nt_xent_on_device(z1, z2, temperature):
    """nt_xent_loss of reference.py with its mask and targets on the projections' device."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    logits = (z @ z.t()) / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), -1e9)
    idx = torch.arange(n, device=z.device)
    return F.cross_entropy(logits, torch.cat([idx + n, idx]))


def make_optimizer(model, batch_size):
    matrices = [p for p in model.parameters() if p.requires_grad and p.dim() > 1]
    vectors = [p for p in model.parameters() if p.requires_grad and p.dim() <= 1]
    return torch.optim.SGD([{"params": matrices, "weight_decay": 5e-4}, {"params": vectors, "weight_decay": 0.0}],
                           lr=0.06 * batch_size / 256, momentum=0.9)


def gpu_pipeline_loader(args, count):
    """torchvision's SimCLR transforms per PIL image (Pretext's simclr preset at 32x32), in workers."""
    from PIL import Image
    from torchvision import transforms as T
    s = 0.5
    transform = T.Compose([
        T.RandomResizedCrop(32, scale=(1 - 0.92 * 0.7, 1.0)),
        T.RandomHorizontalFlip(0.5),
        T.RandomApply([T.ColorJitter(0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s)], p=0.8),
        T.RandomGrayscale(0.2),
        T.RandomApply([T.GaussianBlur(3, sigma=(0.1, 2 * s))], p=0.5),
        T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))])
    images = np.random.default_rng(1).integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)

    class Views(torch.utils.data.Dataset):
        def __len__(self):
            return count

        def __getitem__(self, i):
            image = Image.fromarray(images[i], mode="RGB")
            return transform(image), transform(image)

    return torch.utils.data.DataLoader(Views(), batch_size=args.batch_size, shuffle=True, drop_last=True,
                                       num_workers=args.workers, pin_memory=True, persistent_workers=True)


def run_training(args):
    device = torch.device("cuda")
    torch.manual_seed(1)
    torch.backends.cudnn.benchmark = True
    model = SimCLR().to(device)
    memory_format = torch.preserve_format if args.nchw else torch.channels_last
    if not args.nchw:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    optimizer = make_optimizer(model, args.batch_size)
    forward = model
    if args.variant == "compile" and args.compile_scope == "encoder":
        # The encoder (backbone + projector) compiled, the NT-Xent loss left eager.
        model.backbone = torch.compile(model.backbone, backend=args.compile_backend)
        model.projector = torch.compile(model.projector, backend=args.compile_backend)
    elif args.variant == "compile":
        forward = torch.compile(model, backend=args.compile_backend)
    b = args.batch_size
    dtype = torch.float32 if args.fp32 else torch.bfloat16

    def step(views):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=dtype, enabled=not args.fp32):
            loss = forward(views)
        loss.backward()
        optimizer.step()
        return loss

    compile_seconds = 0.0
    if args.variant in ("step", "compile"):
        x = torch.randint(0, 256, (2 * b, 3, 32, 32), dtype=torch.uint8, device=device).float().div_(255.0)
        views = ((x - 0.5) / 0.25).contiguous(memory_format=memory_format)
        t0 = time.perf_counter()
        step(views).item()
        compile_seconds = time.perf_counter() - t0
        for _ in range(args.warmup):
            step(views)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            loss = step(views)
            if args.sync_every and _ % args.sync_every == 0:
                loss.item()  # as a training loop that reads its loss back
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
    else:
        loader = gpu_pipeline_loader(args, (args.warmup + args.steps + 1) * b)
        it = iter(loader)
        for _ in range(args.warmup):
            v1, v2 = next(it)
            step(torch.cat([v1, v2]).to(device, non_blocking=True).contiguous(memory_format=memory_format))
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            v1, v2 = next(it)
            loss = step(torch.cat([v1, v2]).to(device, non_blocking=True).contiguous(memory_format=memory_format))
            loss.item()
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
    return {"variant": args.variant, "compile_backend": args.compile_backend if args.variant == "compile" else None,
            "compile_scope": args.compile_scope if args.variant == "compile" else None,
            "method": "simclr", "backbone": "resnet18", "image_size": 32,
            "dtype": "fp32" if args.fp32 else "bf16", "channels_last": not args.nchw,
            "images_per_second": round(b * args.steps / seconds, 1), "batch_size": b, "steps": args.steps,
            "warmup": args.warmup, "first_step_seconds": round(compile_seconds, 2),
            "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1),
            "device": torch.cuda.get_device_name(), "torch": torch.__version__}


@torch.no_grad()
def extract_features(backbone, images, mean, std, device, batch_size=512):
    backbone.eval()
    chunks = []
    for i in range(0, len(images), batch_size):
        x = torch.from_numpy(images[i:i + batch_size]).to(device).unsqueeze(1).float().div_(255.0)
        chunks.append(F.normalize(backbone((x - mean) / std).flatten(1), dim=1))
    return torch.cat(chunks)


def run_knn(args):
    device = torch.device("cuda")
    torch.manual_seed(1)
    train_images, train_labels, test_images, test_labels = load_fashion_mnist(args.data)
    mean, std = channel_stats(train_images)
    backbone = ConvNet().to(device)
    bank_labels = torch.from_numpy(train_labels.astype(np.int64)).to(device)
    test = torch.from_numpy(test_labels.astype(np.int64)).to(device)
    times, accuracy = [], 0.0
    for _ in range(args.repeats + 1):  # the first run warms cuDNN up and is not counted
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        bank = extract_features(backbone, train_images, mean, std, device)
        queries = extract_features(backbone, test_images, mean, std, device)
        predicted = knn_predict_device(bank, bank_labels, queries, 10, 200, 0.07)
        accuracy = predicted.eq(test).float().mean().item()
        times.append(time.perf_counter() - t0)
    return {"variant": "knn", "seconds": round(statistics.median(times[1:]), 4), "accuracy": round(accuracy, 4),
            "bank": len(train_images), "queries": len(test_images), "device": torch.cuda.get_device_name()}


@torch.no_grad()
def knn_predict_device(bank, bank_labels, queries, num_classes, k, temperature, chunk=1024):
    predictions = []
    for i in range(0, len(queries), chunk):
        q = queries[i:i + chunk]
        sims, index = (q @ bank.t()).topk(k, dim=1)
        votes = torch.zeros(len(q), num_classes, device=q.device).scatter_add_(1, bank_labels[index],
                                                                                (sims / temperature).exp())
        predictions.append(votes.argmax(1))
    return torch.cat(predictions)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=["step", "compile", "pipeline", "knn"], default="step")
    parser.add_argument("--compile-backend", default="inductor",
                        help="compile: torch.compile's backend (inductor needs Triton; cudagraphs does not)")
    parser.add_argument("--compile-scope", choices=["model", "encoder"], default="model",
                        help="compile: the whole step's model with its loss, or the encoder alone")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=50, help="timed steps after the warm-up")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--workers", type=int, default=8, help="DataLoader workers (pipeline)")
    parser.add_argument("--repeats", type=int, default=3, help="knn: timed runs whose median is reported")
    parser.add_argument("--sync-every", type=int, default=1,
                        help="step/compile: read the loss back every N steps (0: never), as Pretext does every step")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--nchw", action="store_true", help="no channels_last")
    parser.add_argument("--data", default=os.environ.get("PRETEXT_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("reference_gpu.py needs a CUDA device")
    result = run_knn(args) if args.variant == "knn" else run_training(args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
