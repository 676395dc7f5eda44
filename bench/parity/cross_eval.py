#!/usr/bin/python3
"""Cross-evaluation for the parity check: Pretext's trained encoder evaluated by the reference's own
k-NN and linear probe (bench/parity/reference_train.py), beside Pretext's evaluation of the same
encoder (its knn.csv and linear_probe.csv). When Pretext and the reference differ, this says whether
the encoders differ or the evaluations do.

    build/app/pretext-cli eval RUN --export-encoder          # writes RUN/encoder.pt
    /usr/bin/python3 bench/parity/cross_eval.py RUN [RUN ...]

The encoder is rebuilt in plain PyTorch from encoder.pt (tests/interop/encoder_interop.py, checked
against Pretext's features by tst_eval) and normalised with the mean/std stored beside its weights,
as Pretext trained it. Prints one JSON line per run.
"""
import csv
import json
import os
import sys

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "interop"))
import encoder_interop  # noqa: E402  (the ConvNet and ResNet-18 as Pretext builds them)
import reference_train  # noqa: E402  (the reference's data loader, k-NN and linear probe)


def pretext_numbers(run):
    knn = next((float(r["accuracy"]) for r in csv.DictReader(open(os.path.join(run, "knn.csv"))) if r["k"] == "200"), None)
    probe = next((float(r["accuracy"]) for r in csv.DictReader(open(os.path.join(run, "linear_probe.csv")))
                  if r["stage"] == "pooled"), None)
    return knn, probe


@torch.no_grad()
def features(model, images, mean, std):
    out = []
    for i in range(0, len(images), 512):
        x = torch.from_numpy(images[i:i + 512]).float().div(255).unsqueeze(1)
        out.append(model((x - mean) / std))
    return torch.cat(out)


def main(runs):
    torch.manual_seed(0)
    xtr, ytr, xte, yte = reference_train.load(reference_train.DATA)
    ytr, yte = torch.from_numpy(ytr).long(), torch.from_numpy(yte).long()
    for run in runs:
        saved = torch.load(os.path.join(run, "encoder.pt"))
        if saved["backbone"] != "convnet":
            raise SystemExit(f"{run}: the parity check uses the convnet, not {saved['backbone']}")
        model = encoder_interop.ConvNet(int(saved["in_channels"]), int(saved["width"]))
        model.load_state_dict(saved["state_dict"], strict=True)
        model.eval()
        mean, std = saved["mean"].view(1, -1, 1, 1), saved["std"].view(1, -1, 1, 1)
        ftr, fte = features(model, xtr, mean, std), features(model, xte, mean, std)
        knn = reference_train.knn(F.normalize(ftr, dim=1), ytr, F.normalize(fte, dim=1), yte)
        probe = reference_train.linear_probe(ftr, ytr, fte, yte)
        own_knn, own_probe = pretext_numbers(run)
        print(json.dumps({"run": run, "reference_knn": round(knn, 4), "reference_probe": round(probe, 4),
                          "pretext_knn": own_knn, "pretext_probe": own_probe}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])
