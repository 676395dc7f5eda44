#!/usr/bin/env bash
# Prepare throughput: `pretext-cli prepare` on a generated folder of JPEGs against torchvision's
# ImageFolder with PIL decoding and the same resize (Resize(N) + CenterCrop(N), what --resize crop
# does) in a DataLoader with as many workers as cores, both collecting every image as uint8.
#
#   bench/prepare.sh [build-dir]        # default: build
#
# Settings (environment): IMAGES=100000 SIZE=64 CLASSES=10 THREADS=$(nproc) WORK=runs/bench/prepare
# PYTHON=/usr/bin/python3 (Debian's python3-torchvision, python3-pil, python3-numpy).
# The folder is generated once (JPEGs of random sizes 64..96 px, quality 90) and kept in $WORK.
set -euo pipefail

build=${1:-build}
images=${IMAGES:-100000}
size=${SIZE:-64}
classes=${CLASSES:-10}
threads=${THREADS:-$(nproc)}
work=${WORK:-runs/bench/prepare}
python=${PYTHON:-/usr/bin/python3}
cli="$build/app/pretext-cli"
folder="$work/jpegs-$images"
[ -x "$cli" ] || { echo "bench/prepare.sh: $cli not built (ninja -C $build pretext-cli)" >&2; exit 1; }
mkdir -p "$work"

if [ ! -f "$folder/.complete" ]; then
  echo "generating $images JPEGs in $folder ..." >&2
  rm -rf "$folder"
  "$python" - "$folder" "$images" "$classes" <<'PY'
import os, sys
import numpy as np
from PIL import Image
from concurrent.futures import ProcessPoolExecutor
root, n, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for c in range(classes):
    os.makedirs(os.path.join(root, f"class{c:02d}"), exist_ok=True)
def make(start):
    rng = np.random.default_rng(start)
    for i in range(start, min(n, start + 1000)):
        w, h = rng.integers(64, 97, size=2)
        # smooth colour fields plus noise: compresses like a photo, not like pure noise
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([(np.sin(x / (5 + i % 7)) + np.cos(y / (3 + i % 5))) * 60 + 128 + 40 * k for k in range(3)], -1)
        img = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(os.path.join(root, f"class{i % classes:02d}", f"{i:07d}.jpg"), quality=90)
with ProcessPoolExecutor(os.cpu_count()) as ex:
    list(ex.map(make, range(0, n, 1000)))
PY
  touch "$folder/.complete"
fi

out="$work/prepared-$images-$size"
start=$(date +%s.%N)
"$cli" prepare "$folder" --image-size "$size" --resize crop --threads "$threads" --out "$out" ${PREPARE_ARGS:-}
end=$(date +%s.%N)
pretext_s=$(echo "$end - $start" | bc -l)

reference_s=$("$python" - "$folder" "$size" "$threads" <<'PY'
import sys, time
import numpy as np
import torch
from torchvision import datasets, transforms
root, size, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
tf = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.PILToTensor()])
ds = datasets.ImageFolder(root, transform=tf)
loader = torch.utils.data.DataLoader(ds, batch_size=256, num_workers=workers, shuffle=False)
out = np.empty((len(ds), 3, size, size), np.uint8)
labels = np.empty(len(ds), np.int64)
i = 0
for x, y in loader:
    out[i:i + len(x)] = x.numpy()
    labels[i:i + len(x)] = y.numpy()
    i += len(x)
print(time.perf_counter() - t0)
PY
)

echo
echo "prepare $images JPEGs (64..96 px) -> ${size}x${size}, crop, $threads threads/workers, $(nproc) cores"
printf "%-48s %10s %12s\n" "" "seconds" "images/s"
printf "%-48s %10.2f %12.0f\n" "pretext-cli prepare" "$pretext_s" "$(echo "$images / $pretext_s" | bc -l)"
printf "%-48s %10.2f %12.0f\n" "torchvision ImageFolder + PIL + DataLoader" "$reference_s" "$(echo "$images / $reference_s" | bc -l)"
printf "ratio (reference time / pretext time): %.2fx\n" "$(echo "$reference_s / $pretext_s" | bc -l)"
