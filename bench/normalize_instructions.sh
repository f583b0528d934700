#!/usr/bin/env bash
# Instructions per event of the indexer's parse + normalize + render (bench/normalize_bench.cc), counted by
# valgrind's cachegrind: the same cases as bench/normalize_microbench.sh, side by side with the simdjson
# parse-only and copy rows, as numbers that do not move with the machine's load. On the shared 2-core VM
# the events-per-CPU-second figure of the same binary swings ~1.5-2x from minute to minute, so a change
# worth a few percent shows here and nowhere else. Instructions are not time: cache and branch misses
# are not in them (the D1/I1 miss columns are cachegrind's simulated 32 KiB caches, a hint only), and
# under valgrind simdjson runs its AVX2 ("haswell") kernel instead of the AVX-512 one a native run picks.
#
#   bench/normalize_instructions.sh                 # cases logback logback-sep ecs text logback-parse copy-bulk
#   bench/normalize_instructions.sh logback ecs
#
# Each case runs twice under cachegrind, with 1 and with 3 timed passes over BENCH_EVENTS records; the
# difference (2 passes) is divided by 2 x BENCH_EVENTS, so generating the records and the warm-up pass
# are not counted. About 20 s per case.
#
# Environment: BENCH_EVENTS (default 20000), LOGPIPE_BUILD_DIR (default <repo>/build).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LOGPIPE_BUILD_DIR:-$repo/build}
bin=$build/bench/logpipe_bench_normalize
E=${BENCH_EVENTS:-20000}
cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || cases=(logback logback-sep ecs text logback-parse copy-bulk)
[[ -x $bin ]] || { echo "normalize_instructions: no $bin; build first: cmake --build $build --target logpipe_bench_normalize" >&2; exit 1; }
# valgrind is a tool of this benchmark only, so it is installed here (as the throughput benches install their
# peers), not by scripts/install-deps.sh for every build and CI run.
if ! command -v valgrind >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "normalize_instructions: installing valgrind ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind >/dev/null 2>&1 ||
      { echo "normalize_instructions: apt-get install valgrind failed" >&2; exit 1; }
  else
    echo "normalize_instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 1
  fi
fi

tmp=$(mktemp -d /tmp/logpipe_bench_instructions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Prints "<instructions> <D1 misses> <I1 misses>" of one run (cachegrind's summary on stderr).
count() {
  valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null "$bin" --case "$1" --runs "$2" \
    --min-seconds 0 --events "$E" 2>"$tmp/err" >/dev/null
  awk '/I *refs:/ { gsub(",", "", $NF); i = $NF }
       /D1 *misses:/ { gsub(",", "", $4); d = $4 }
       /I1 *misses:/ { gsub(",", "", $NF); m = $NF }
       END { if (i == "") exit 1; print i, d, m }' "$tmp/err"
}

echo "Indexer parse + normalize + render, instructions per event — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty')"
echo "valgrind $(valgrind --version | sed 's/^valgrind-//') cachegrind; $E records per case, 2 passes counted; simdjson runs its AVX2 kernel under valgrind"
echo
for c in "${cases[@]}"; do
  echo "$c $(count "$c" 1) $(count "$c" 3)" >> "$tmp/counts"
done
awk -v E="$E" '
  { k[NR] = $1; i[NR] = ($5 - $2) / (2 * E); d[NR] = ($6 - $3) / (2 * E); m[NR] = ($7 - $4) / (2 * E)
    if ($1 == "logback-parse") parse = i[NR] }
  END {
    printf "%-14s %12s %12s %12s %9s\n", "case", "instr/event", "D1 miss/ev", "I1 miss/ev", "x parse"
    for (n = 1; n <= NR; n++)
      printf "%-14s %12.0f %12.1f %12.1f %9s\n", k[n], i[n], d[n], m[n], parse ? sprintf("%.2f", i[n] / parse) : "-"
  }' "$tmp/counts"
echo
echo "x parse: instructions per event over those of logback-parse (simdjson DOM parse only) on the same lines"
