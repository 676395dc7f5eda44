"""The deterministic inputs every reference script shares; the C++ tests rebuild them with
coretest::fixed (tests/coretestutil.h)."""
import torch


def fixed(rows, cols, phase):
    """x[i, j] = sin(0.7 i + 1.3 j + phase) + 0.1 j, in float64"""
    i = torch.arange(rows).unsqueeze(1).double()
    j = torch.arange(cols).unsqueeze(0).double()
    return torch.sin(0.7 * i + 1.3 * j + phase) + 0.1 * j
