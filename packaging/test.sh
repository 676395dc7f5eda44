#!/usr/bin/env bash
# The README's test command: installs the Debian packages, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/setup-debian.sh
packaging/build.sh
# Tests run one at a time: each one already uses every core through LibTorch's threads.
ctest --test-dir build --output-on-failure --timeout 900
