#!/usr/bin/env bash
# Configures and builds into build/ (or $LOGPIPE_BUILD_DIR). Extra arguments go to cmake, e.g.
#   scripts/build.sh -DLOGPIPE_SANITIZE=ON
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOGPIPE_BUILD_DIR:-$repo/build}"
launcher=()
# ccache, when installed, makes rebuilds in several checkouts of the same tree cheap (not required).
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$repo")}"
fi
cmake -S "$repo" -B "$build" -G Ninja -DLOGPIPE_WERROR=ON "${launcher[@]}" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
