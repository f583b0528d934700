#!/usr/bin/env bash
# ctest fixture around deploy/stack.sh. `up` starts the local stack only if it is not already running and
# remembers that it did; `down` stops it only in that case. A developer's running stack is left alone and a
# CI run leaves no process behind.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
stack="$repo/deploy/stack.sh"
dir=$("$stack" dir)
marker="$dir/started-by-tests"

case "${1:-}" in
  up)
    if "$stack" status >/dev/null 2>&1; then
      echo "stack already running: the tests use it and leave it running"
      exit 0
    fi
    mkdir -p "$dir"
    touch "$marker"  # before `up`, so a half-started stack is still stopped by `down`
    "$stack" up
    ;;
  down)
    if [[ -f "$marker" ]]; then
      "$stack" down
      rm -f "$marker"
    else
      echo "stack was not started by the tests: leaving it running"
    fi
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
