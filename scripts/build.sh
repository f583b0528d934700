#!/usr/bin/env bash
# Configures and builds into build/ (or $LOGPIPE_BUILD_DIR). Extra arguments go to cmake, e.g.
#   scripts/build.sh -DLOGPIPE_SANITIZE=ON
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOGPIPE_BUILD_DIR:-$repo/build}"
cmake -S "$repo" -B "$build" -G Ninja -DLOGPIPE_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
