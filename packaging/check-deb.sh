#!/usr/bin/env bash
# The .deb as a new user meets it: installed into a fresh Debian 12 root (debootstrap), then, as an
# ordinary user with / as the current directory, the desktop entry's command under Xvfb with a short
# training run from the Training panel and a screenshot, and the CLI's train and eval; then the
# package is removed again. Needs root and a Debian mirror; not part of CI.
#
#   sudo packaging/check-deb.sh PACKAGE.deb [ROOT] [MIRROR]
#
# ROOT (default /var/tmp/pretext-check-root) is made once and reused; the screenshot is copied to
# ./check-deb-window.png.
set -euo pipefail
deb=$(realpath "${1:?usage: check-deb.sh PACKAGE.deb [ROOT] [MIRROR]}")
root=${2:-/var/tmp/pretext-check-root}
mirror=${3:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "check-deb: run as root (debootstrap and chroot need it)"; exit 2; }
command -v debootstrap >/dev/null || { echo "check-deb: needs debootstrap (apt-get install debootstrap)"; exit 2; }

if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "check-deb: debootstrap bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror"
fi
mounted=()
cleanup() { for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" || true; done; }
trap cleanup EXIT
for fs in proc dev sys; do
  if ! mountpoint -q "$root/$fs"; then
    mount --bind "/$fs" "$root/$fs"
    mounted+=("$root/$fs")
  fi
done
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

cp "$deb" "$root/tmp/pretext.deb"
in_root apt-get update -qq
# With its Recommends (Fashion-MNIST, OpenBLAS), as apt installs it for a user; Xvfb to show the window.
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/pretext.deb xvfb xauth
in_root id user >/dev/null 2>&1 || in_root useradd -m -s /bin/bash user
as_user() {
  chroot --userspec=user:user "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/user LANG=C.UTF-8 \
    /bin/sh -c "cd / && $1"
}

exec_line=$(sed -n 's/^Exec=//p' "$root/usr/share/applications/pretext.desktop")
echo "check-deb: the desktop entry runs '$exec_line'"
rm -f "$root/tmp/window.png"
as_user "xvfb-run -a $exec_line --train rotation --epochs 1 --subset 1000 --screenshot /tmp/window.png"
[ -s "$root/tmp/window.png" ] || { echo "check-deb: the window wrote no screenshot"; exit 1; }
cp "$root/tmp/window.png" ./check-deb-window.png
ls -d "$root"/home/user/Documents/Pretext/runs/rotation-fashion-mnist-* >/dev/null ||
  { echo "check-deb: the window's run is not under ~/Documents/Pretext/runs"; exit 1; }
echo "check-deb: the window trained into $(ls -d "$root"/home/user/Documents/Pretext/runs/* | head -1 | sed "s|^$root||")"

as_user "pretext --help >/dev/null && pretext --version"
as_user "pretext-cli train --method rotation --epochs 1 --subset 1000 --out /home/user/cli-run"
as_user "pretext-cli eval /home/user/cli-run --knn"
[ -f "$root/home/user/cli-run/eval.json" ] || { echo "check-deb: pretext-cli eval wrote no eval.json"; exit 1; }

in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q pretext
[ ! -e "$root/usr/bin/pretext" ] || { echo "check-deb: /usr/bin/pretext is still there after the removal"; exit 1; }
echo "check-deb: OK"
