#!/usr/bin/python3
"""Loads an encoder exported by `pretext-cli eval --export-encoder` (Evaluator::exportEncoder) with
Debian's python3-torch, rebuilds the backbone in plain PyTorch from the architecture stored beside
the weights (the ConvNet here; a ResNet-18 as torchvision.models.resnet18 with the CIFAR stem,
from Debian's python3-torchvision), loads the weights with strict=True, and checks that its pooled
features of the given images equal the ones Pretext computed (both written as .npy by Pretext).
tst_eval runs it:

    /usr/bin/python3 tests/interop/encoder_interop.py encoder.pt images.npy features.npy

Prints "OK <max abs difference>" and exits 0 when they match.
"""
import sys

import numpy as np
import torch
import torch.nn as nn


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout, kernel, pool):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.pool = pool

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return nn.functional.max_pool2d(x, 2) if self.pool else x


class ConvNet(nn.Module):
    """Pretext's ConvNet (core/src/models/convnet.h): conv1 5x5 (w) + pool, conv2 3x3 (2w) + pool,
    conv3..conv5 3x3 (4w, 4w, 2w), global average pooling."""

    def __init__(self, in_channels, width):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 4 * width, 2 * width]
        cin = in_channels
        for i, w in enumerate(widths):
            setattr(self, "conv%d" % (i + 1), ConvBnRelu(cin, w, 5 if i == 0 else 3, i < 2))
            cin = w

    def forward(self, x):
        for i in range(5):
            x = getattr(self, "conv%d" % (i + 1))(x)
        return x.mean((2, 3))


def resnet18_cifar(in_channels, width):
    """torchvision's ResNet-18 as Pretext builds it for small images (the CIFAR stem)."""
    import torchvision

    if width != 64:
        raise ValueError("torchvision's resnet18 has width 64; this run's is %d" % width)
    model = torchvision.models.resnet18()
    # The CIFAR stem, the two lines that make torchvision's ImageNet ResNet-18 Pretext's:
    # conv1 3x3 with stride 1 (not 7x7 with stride 2), and no max-pool after it.
    model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    # Pretext's encoder ends at the pooled features: no classifier (the backbone keys only).
    model.fc = nn.Identity()
    return model


def main(encoder_path, images_path, features_path):
    saved = torch.load(encoder_path)
    if saved["backbone"] == "convnet":
        model = ConvNet(int(saved["in_channels"]), int(saved["width"]))
    elif saved["backbone"] == "resnet18":
        model = resnet18_cifar(int(saved["in_channels"]), int(saved["width"]))
    else:
        print("this check rebuilds the convnet and resnet18 only, not", saved["backbone"])
        return 2
    model.load_state_dict(saved["state_dict"], strict=True)
    model.eval()
    images = torch.from_numpy(np.load(images_path)).float() / 255.0
    mean = saved["mean"].view(1, -1, 1, 1)
    std = saved["std"].view(1, -1, 1, 1)
    with torch.no_grad():
        features = model((images - mean) / std).numpy()
    expected = np.load(features_path)
    if features.shape != expected.shape:
        print("shape mismatch:", features.shape, expected.shape)
        return 1
    diff = float(np.abs(features - expected).max())
    scale = float(np.abs(expected).max())
    if not diff <= 1e-4 * max(1.0, scale):
        print("features differ: max abs difference", diff)
        return 1
    print("OK", diff)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
