#!/usr/bin/env bash
# The shipper's write-ahead log (shipper/wal) vs raw write(2) + fdatasync at the same batching: appends/s,
# MiB/s, CPU per append, for ~300-byte JSON events with the WAL's default sync settings. Details and
# results: bench/README.md ("WAL append").
#
#   LOGPIPE_BUILD_DIR=$PWD/build scripts/build.sh   # or only: cmake --build build --target logpipe_bench_wal_append
#   bench/wal_append.sh                             # BENCH_EVENTS=1000000 BENCH_RUNS=3 BENCH_DIR=/tmp/logpipe-bench-wal
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOGPIPE_BUILD_DIR:-$repo/build}"
bin="$build/bench/logpipe_bench_wal_append"
events="${BENCH_EVENTS:-1000000}"
runs="${BENCH_RUNS:-3}"
# On the disk the shipper would use (not tmpfs, where fdatasync costs nothing).
dir="${BENCH_DIR:-/tmp/logpipe-bench-wal}"

if [[ ! -x "$bin" ]]; then
  echo "building $bin" >&2
  cmake --build "$build" --target logpipe_bench_wal_append >&2
fi
trap 'rm -rf "$dir"' EXIT
fs=$(df -T "$(dirname "$dir")" | awk 'NR == 2 {print $2}')
echo "wal_append: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), dir $dir ($fs)"
"$bin" --events "$events" --runs "$runs" --dir "$dir"
