#!/usr/bin/env python3
"""Writes a small valid input per fuzz target into CORPUS/<target>/, so that libFuzzer starts from
files that pass the readers' first checks (standard library only; no dataset needed)."""
import gzip
import os
import struct
import sys
import zlib

corpus = sys.argv[1]


def put(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)


# IDX: 2 images of 3x4, and 2 labels; plain and gzip.
images = struct.pack(">IIII", 0x803, 2, 3, 4) + bytes(range(24))
labels = struct.pack(">II", 0x801, 2) + bytes([3, 7])
put("fuzz_idx", "images", images)
put("fuzz_idx", "labels", labels)
put("fuzz_idx", "images.gz", gzip.compress(images))

# CIFAR: one CIFAR-10 record (1 label byte) and one CIFAR-100 record (2 label bytes).
put("fuzz_cifar", "cifar10", bytes([4]) + bytes(i % 256 for i in range(3072)))
put("fuzz_cifar", "cifar100", bytes([1, 42]) + bytes(i % 251 for i in range(3072)))

# STL-10: first byte = number of label bytes at the end; one 96x96x3 image and its label.
put("fuzz_stl10", "one", bytes([1]) + bytes(i % 256 for i in range(3 * 96 * 96)) + bytes([5]))
put("fuzz_stl10", "unlabelled", bytes([0]) + bytes(i % 253 for i in range(3 * 96 * 96)))


def png(width, height, gray, filters=(0,)):
    channels = 1 if gray else 3
    rows = b""
    for y in range(height):
        rows += bytes([filters[y % len(filters)]]) + bytes((x * 7 + y * 3) % 256 for x in range(width * channels))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0 if gray else 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# Image folder: first byte picks the extension (0 png, 1 jpg, 2 bmp) and the size.
put("fuzz_imagefolder", "png", bytes([0]) + png(6, 5, False))
bmp_pixels = bytes((i * 5) % 256 for i in range(4 * 4 * 3))
bmp = b"BM" + struct.pack("<IHHI", 54 + len(bmp_pixels), 0, 0, 54) + struct.pack(
    "<IiiHHIIiiII", 40, 4, 4, 1, 24, 0, len(bmp_pixels), 2835, 2835, 0, 0) + bmp_pixels
put("fuzz_imagefolder", "bmp", bytes([2]) + bmp)

# config.json as the trainer writes it, and a few JSON shapes.
put("fuzz_config", "config", b"""{
  "augment": {"crop": {"enabled": true, "probability": 1, "strength": 0.5}},
  "backbone": "convnet", "backbone_width": 32, "batch_size": 256,
  "dataset": {"image_size": 32, "kind": "shapes", "load_unlabeled": false, "path": "", "seed": 1,
              "shapes_image_size": 32, "shapes_per_class": 200},
  "device": "cpu", "epochs": 2, "knn_k": 200, "knn_temperature": 0.07, "learning_rate": 0.06,
  "method": "simclr", "method_options": {"temperature": 0.5}, "seed": 1, "subset": 0, "warmup_epochs": 1
}
""")
put("fuzz_config", "shapes", b'[1, -2.5e-3, "a\\u00e9\\n", true, false, null, {"k": [[]]}]')


# A prepared dataset: [u16 manifest length][manifest.json][u32 images length][train_images.npy][train_labels.npy].
def npy(descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, "".join("%d, " % d for d in shape).rstrip(" ") if len(shape) > 1 else "%d," % shape[0])
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def prepared(manifest, images, labels):
    return struct.pack("<H", len(manifest)) + manifest + struct.pack("<I", len(images)) + images + labels


manifest = b"""{"format": "pretext-prepared", "version": 1, "image_size": 4, "channels": 3, "class_names": ["a", "b"],
 "splits": [{"split": "train", "count": 2, "images": "train_images.npy", "labels": "train_labels.npy"}]}"""
put("fuzz_prepared", "two", prepared(manifest, npy("|u1", (2, 3, 4, 4), bytes(range(96))),
                                     npy("<i8", (2,), struct.pack("<qq", 0, 1))))
