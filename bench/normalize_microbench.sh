#!/usr/bin/env bash
# Parse + normalize + render microbenchmark of the indexer (bench/normalize_bench.cc): events per CPU second
# of one thread, for logback JSON, log4j2 EcsLayout JSON and plain text lines through the re2 rules, with
# reference rows (simdjson parse only; copying the raw line into a bulk body) on the same inputs.
# Prints one table (median of R runs). Numbers are for people to read, never asserted.
#
#   bench/normalize_microbench.sh
#   BENCH_RUNS=7 BENCH_SECONDS=2 bench/normalize_microbench.sh
#
# Environment:
#   BENCH_RUNS     timed runs per case (default 5), after one untimed warm-up pass
#   BENCH_SECONDS  CPU seconds per run at least (default 1)
#   BENCH_EVENTS   distinct generated records per case, cycled (default 20000)
#   LOGPIPE_BUILD_DIR  where logpipe_bench_normalize was built (default <repo>/build)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LOGPIPE_BUILD_DIR:-$repo/build}
bin=$build/bench/logpipe_bench_normalize
R=${BENCH_RUNS:-5}
S=${BENCH_SECONDS:-1}
E=${BENCH_EVENTS:-20000}
bench_name=normalize_microbench
source "$repo/bench/lib.sh"
[[ -x $bin ]] || die "no $bin; build first: cmake --build $build --target logpipe_bench_normalize"

out=$(mktemp /tmp/logpipe_bench_normalize.XXXXXX)
trap 'rm -f "$out"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$bin" --runs "$R" --min-seconds "$S" --events "$E" > "$out"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "Indexer parse + normalize + render — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty')"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load average $load_before (start) / $load_after (end)"
echo "build: $(grep -m1 CMAKE_BUILD_TYPE:STRING "$build/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || echo '?'), simdjson $(dpkg-query -W -f '${Version}' libsimdjson-dev 2>/dev/null || echo '?'), re2 $(dpkg-query -W -f '${Version}' libre2-dev 2>/dev/null || echo '?')"
echo "one thread; $E generated records per case (headers as the shipper writes them), batches of 2000 as the pipeline does;"
echo "events/s = events / CPU seconds of the thread (CLOCK_THREAD_CPUTIME_ID), median of $R runs of >= ${S} CPU s; cpu/wall < 1 means the thread waited for a core"
echo
awk -v R="$R" "$AWK_MEDIAN"'
  /^#/ { next }
  { k = $1; if (!(k in n)) order[++no] = k; n[k]++; rate[k, n[k]] = $8; inb[k] = $4; outb[k] = $5; cpu[k] += $6; wall[k] += $7
    if (!(k in lo) || $8 < lo[k]) lo[k] = $8; if ($8 > hi[k]) hi[k] = $8 }
  END {
    desc["logback"] = "logback JSON -> ECS doc + bulk line"
    desc["logback-alloc"] = "the same, a new Document per event (pipeline.cc on main)"
    desc["ecs"] = "log4j2 EcsLayout JSON -> ECS doc + bulk line"
    desc["text"] = "log4j text line, re2 rules -> ECS doc + bulk line"
    desc["logback-parse"] = "reference: simdjson DOM parse of the logback lines only"
    desc["ecs-parse"] = "reference: simdjson DOM parse of the EcsLayout lines only"
    desc["copy-bulk"] = "reference: raw logback line appended as a bulk item"
    desc["logback-sep"] = "logback with one header per field (record format 1 layout)"
    printf "%-14s %7s %8s %12s %8s %23s %9s  %s\n", "case", "in B", "out B", "events/s", "us/ev", "min-max events/s", "cpu/wall", "what"
    for (o = 1; o <= no; o++) {
      k = order[o]
      for (i = 1; i <= n[k]; i++) a[i] = rate[k, i]
      m = median(a, n[k])
      printf "%-14s %7.0f %8s %12.0f %8.3f %11.0f-%-11.0f %9.2f  %s\n", k, inb[k], (outb[k] > 0 ? sprintf("%.0f", outb[k]) : "-"), m, 1e6 / m, lo[k], hi[k], cpu[k] / wall[k], desc[k]
    }
  }' "$out"
echo
echo "target (issue 5): 1,000,000 events/s per core for ~300-byte logback JSON"
