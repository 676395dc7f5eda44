#!/usr/bin/env python3
"""Expected data-parallel scaling of a GPU step from its communication volume (no GPU needed).

    bench/dist_scaling.py [--bench build/bench/pretext-bench] [--step-ms 11.3] [--batch 512] [--markdown]

Reads the model's sizes from `pretext-bench comm` (trainable parameters, gradient buckets, BatchNorm
layers, the gathered embedding's width: SimCLR ResNet-18 32x32 by default) and adds up, per step
and per GPU, what Pretext's data-parallel step sends (core/src/dist, core/src/methods/simclr.cpp):

  gradients   one ring all-reduce per bucket: 2(n-1)/n x bytes over the bus bandwidth
  gathers     SimCLR's two embedding all-gathers [B, d] fp32 in forward ((n-1) x B d 4 bytes each)
              and, in backward, an all-reduce of each gathered gradient [nB, d] (GatherWithGradient)
  BatchNorm   synchronized BatchNorm: an all-gather of (2C+1) floats in forward and an all-reduce of
              2C floats in backward per layer: tiny, so latency-bound, and on the critical path
  small       the stop flag and the loss read-back: one tiny all-reduce per step

Times: bytes / bandwidth plus a per-collective latency alpha(n) = base + hop x 2(n-1) (assumed, see
FABRICS). Without overlap every collective adds to the step. With overlap (dist::OverlappedGradients)
bucket i can start once backward has produced its gradients; backward is taken as 2/3 of the step's
compute and to produce gradients in proportion to their bytes (pessimistic for ResNets, whose last
stage holds most of the parameters but little of the compute); the buckets run one after another on
one channel and only what is left after backward ends is exposed. Efficiency = single-GPU step /
n-GPU step (the same per-GPU batch): 1.0 is perfect linear scaling.
"""
import argparse
import json
import subprocess

# name: (bus bandwidth in bytes/s, latency base s, latency per ring hop s)
FABRICS = {
    "NVLink 4 (H100, ~360 GB/s bus)": (360e9, 10e-6, 0.5e-6),
    "100 Gb/s Ethernet (~11 GB/s)": (11e9, 30e-6, 10e-6),
}


def alpha(n, base, hop):
    return base + hop * 2 * (n - 1)


def allreduce(nbytes, n, bw, base, hop):
    return 2 * (n - 1) / n * nbytes / bw + alpha(n, base, hop)


def allgather(per_rank_bytes, n, bw, base, hop):
    return (n - 1) * per_rank_bytes / bw + alpha(n, base, hop)


def estimate(comm, n, fabric, step_s, batch):
    bw, base, hop = FABRICS[fabric]
    buckets = [int(b) for b in comm["bucket_bytes"].split()]
    grads = [allreduce(b, n, bw, base, hop) for b in buckets]
    emb = batch * comm["embedding_dim"] * 4
    gathers = 2 * allgather(emb, n, bw, base, hop) + 2 * allreduce(n * emb, n, bw, base, hop)
    layers = comm["batchnorm_layers"]
    c = comm["batchnorm_channels"] / max(layers, 1)  # channels of an average layer
    bn = layers * (allgather((2 * c + 1) * 4, n, bw, base, hop) + allreduce(2 * c * 4, n, bw, base, hop))
    small = allreduce(8, n, bw, base, hop)
    # Bytes each GPU sends: ring all-reduce 2(n-1)/n x size, ring all-gather (n-1) x its share.
    sent = (sum(2 * (n - 1) / n * b for b in buckets) + 2 * (n - 1) * emb + 2 * 2 * (n - 1) / n * n * emb
            + layers * ((n - 1) * (2 * c + 1) * 4 + 2 * (n - 1) / n * 2 * c * 4))
    plain = step_s + sum(grads) + gathers + bn + small
    # Overlap: bucket i ready when backward has produced the bytes before and in it.
    backward = 2.0 / 3.0 * step_s
    ready_bytes, end = 0, 0.0
    total = sum(buckets)
    for b, t in zip(buckets, grads):
        ready_bytes += b
        ready = backward * ready_bytes / total
        end = max(end, ready) + t
    exposed = max(0.0, end - backward)
    overlapped = step_s + exposed + gathers + bn + small
    return {
        "sent_mb": sent / 1e6, "grad_ms": 1e3 * sum(grads), "gather_ms": 1e3 * gathers, "bn_ms": 1e3 * bn,
        "plain_ms": 1e3 * plain, "overlap_ms": 1e3 * overlapped,
        "eff_plain": step_s / plain, "eff_overlap": step_s / overlapped,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bench", default="build/bench/pretext-bench")
    p.add_argument("--comm", help="a `pretext-bench comm` JSON line instead of running it")
    p.add_argument("--step-ms", type=float, default=11.3, help="measured single-GPU step (H200, SimCLR ResNet-18 32x32 b512)")
    p.add_argument("--batch", type=int, default=512, help="images per GPU")
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    line = a.comm or subprocess.run([a.bench, "comm", "--method", "simclr", "--backbone", "resnet18", "--image-size", "32"],
                                    check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    comm = json.loads(line)
    print(f"{comm['method']} {comm['backbone']} {comm['image_size']}x{comm['image_size']}: "
          f"{comm['trainable_parameters']:,} trainable parameters, {comm['gradient_bytes'] / 1e6:.1f} MB of fp32 gradients "
          f"in {len(comm['bucket_bytes'].split())} buckets ({comm['bucket_bytes']} bytes), "
          f"{comm['batchnorm_layers']} BatchNorm layers ({comm['batchnorm_channels']} channels), embeddings of "
          f"{comm['embedding_dim']}; batch {a.batch} per GPU, single-GPU step {a.step_ms} ms")
    print()
    print("| fabric | GPUs | sent per GPU per step | gradients | gathers | SyncBN | step, no overlap | efficiency | "
          "step, overlap | efficiency |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for fabric in FABRICS:
        for n in (2, 4, 8):
            e = estimate(comm, n, fabric, a.step_ms / 1e3, a.batch)
            print(f"| {fabric} | {n} | {e['sent_mb']:.1f} MB | {e['grad_ms']:.2f} ms | {e['gather_ms']:.2f} ms | "
                  f"{e['bn_ms']:.2f} ms | {e['plain_ms']:.2f} ms | {100 * e['eff_plain']:.0f}% | {e['overlap_ms']:.2f} ms | "
                  f"{100 * e['eff_overlap']:.0f}% |")


if __name__ == "__main__":
    main()
