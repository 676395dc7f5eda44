#!/usr/bin/env bash
# The README's run command: installs the Debian packages, builds, and opens the workbench on
# Fashion-MNIST. Without a display it runs under xvfb-run. Extra arguments go to the window.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/setup-debian.sh
packaging/build.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display; starting under xvfb-run"
  exec xvfb-run -a build/app/pretext --dataset fashion-mnist "$@"
fi
exec build/app/pretext --dataset fashion-mnist "$@"
