#!/usr/bin/env bash
# Installs, builds and runs every test, as CI does (.ci/run calls this):
#   1. unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   2. unit + integration tests in the -Werror release build (build/), against the real local stack,
#      which the ctest fixture starts if needed and stops again if it started it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
start=$(date +%s)

scripts/install-deps.sh

echo "== unit tests, ASan+UBSan build =="
LOGPIPE_BUILD_DIR="$repo/build-asan" scripts/build.sh -DLOGPIPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j 2

echo "== unit + integration tests, release build =="
scripts/build.sh
ctest --test-dir build -L 'unit|integration' --output-on-failure

echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
