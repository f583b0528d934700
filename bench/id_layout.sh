#!/usr/bin/env bash
# What the `_id` layout costs Elasticsearch. The same documents (the indexer's own rendering, as for the ideal
# loader of bench/indexer_throughput.sh) are bulk-loaded with `create` into fresh indices from the same
# template, three ways, rounds alternating:
#   sequential  the indexer's ids: 80-bit hash of the source, then the offset big-endian (schemas/event-schema.md)
#   random      each id replaced by 32 hex digits of a hash of it: the layout of schema v4 and earlier
#               (random order; Elasticsearch stores 32 hex digits as 24 decoded bytes)
#   auto        no `_id`: Elasticsearch assigns ids and skips the per-document look-up (what rsyslog gets)
# Numbers are for people to read, never asserted: the machine is shared.
#
#   bench/id_layout.sh
#   BENCH_EVENTS=3000000 BENCH_RUNS=3 bench/id_layout.sh
#
# Environment:
#   BENCH_EVENTS       documents per load (default 1000000): ~340-byte logback JSON lines, as in indexer_throughput.sh
#   BENCH_RUNS         rounds; each round loads every variant once (default 3)
#   BENCH_BATCH        documents per bulk request (default 2000)
#   BENCH_CONCURRENCY  bulk requests in flight (default 2): curl --parallel-max
#   BENCH_ES           Elasticsearch URL (default http://127.0.0.1:9200)
#   LOGPIPE_STACK_DIR  the stack whose Elasticsearch pid (es/es.pid) gives the "ES CPU s" column (default <repo>/build/stack)
#   LOGPIPE_BUILD_DIR  where bench/logpipe_bench_normalize was built (default <repo>/build)
#
# A load is timed from the start of curl to its end (every bulk answered); then the index is refreshed and
# counted (must be N, no item errors) and deleted. The script deletes its template and indices at the end
# and never stops Elasticsearch.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_EVENTS:-1000000}
R=${BENCH_RUNS:-3}
BATCH=${BENCH_BATCH:-2000}
C=${BENCH_CONCURRENCY:-2}
ES=${BENCH_ES:-http://127.0.0.1:9200}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
stack=${LOGPIPE_STACK_DIR:-$repo/build/stack}
gen_bin=$build/bench/logpipe_bench_normalize
cache=/tmp/logpipe-bench
id=idl$$x$RANDOM

bench_name=id_layout
source "$repo/bench/lib.sh"
[[ -x $gen_bin ]] || die "no $gen_bin; build first: cmake --build $build --target logpipe_bench_normalize"
need_tools curl jq bc python3
need_es "$ES"

tmp=$(mktemp -d /tmp/logpipe-bench-idl.XXXXXX)
cleanup() {
  local i
  for i in $(curl -s "$ES/_cat/indices/bench-$id-*?h=index" 2>/dev/null); do curl -s -XDELETE "$ES/$i" >/dev/null || true; done
  curl -s -XDELETE "$ES/_index_template/logpipe-bench-$id" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

es_cpu() { proc_cpu "$stack/es/es.pid"; }  # the Elasticsearch JVM's CPU s so far (empty: not our stack's)
now() { date +%s.%N; }

# The template (with the indexer's fallback for an engine without match_only_text) for all variants.
sed "s/\${INDEX_PREFIX}/bench-$id-/g" "$repo/schemas/index-template.json" > "$tmp/template.json"
put_index_template "$ES" "logpipe-bench-$id" "$tmp/template.json" || die "could not install the index template"

# Input lines (the same file indexer_throughput.sh uses), rendered once; the variants are derived from it.
mkdir -p "$cache"
input=$cache/indexer-input-$N-v1.log
if [[ ! -s $input ]]; then
  echo "generating $input ..." >&2
  "$gen_bin" --write-lines "$input.tmp" --case logback --events "$N" && mv "$input.tmp" "$input"
fi
mkdir -p "$tmp/sequential" "$tmp/random" "$tmp/auto"
"$gen_bin" --render-bulk "$tmp/sequential" --lines "$input" --index-prefix "bench-$id-sequential-" --batch "$BATCH" >/dev/null
python3 - "$tmp" "$id" <<'EOF'
import hashlib, os, re, sys
tmp, run = sys.argv[1], sys.argv[2]
action = re.compile(rb'"_index":"bench-' + run.encode() + rb'-sequential-([^"]*)","_id":"([^"]*)"')
for name in sorted(os.listdir(os.path.join(tmp, "sequential"))):
    data = open(os.path.join(tmp, "sequential", name), "rb").read()
    rnd = action.sub(lambda m: b'"_index":"bench-' + run.encode() + b'-random-' + m.group(1) + b'","_id":"' +
                     hashlib.blake2b(m.group(2), digest_size=16).hexdigest().encode() + b'"', data)
    auto = action.sub(lambda m: b'"_index":"bench-' + run.encode() + b'-auto-' + m.group(1) + b'"', data)
    open(os.path.join(tmp, "random", name), "wb").write(rnd)
    open(os.path.join(tmp, "auto", name), "wb").write(auto)
EOF
for v in sequential random auto; do
  : > "$tmp/curl-$v.cfg"
  first=1
  for f in "$tmp/$v"/bulk-*.ndjson; do
    ((first)) || echo next >> "$tmp/curl-$v.cfg"
    first=0
    printf 'url = "%s/_bulk"\nrequest = "POST"\nheader = "Content-Type: application/x-ndjson"\ndata-binary = "@%s"\noutput = "%s.response"\nsilent\n' \
      "$ES" "$f" "$f" >> "$tmp/curl-$v.cfg"
  done
done
echo "example ids: sequential $(grep -o '"_id":"[^"]*"' "$tmp/sequential/bulk-00000.ndjson" | sed -n '1p;2p' | cut -d'"' -f4 | tr '\n' ' ')" \
     "random $(grep -o '"_id":"[^"]*"' "$tmp/random/bulk-00000.ndjson" | sed -n '1p;2p' | cut -d'"' -f4 | tr '\n' ' ')" >&2

load() {  # load <variant>: appends "variant seconds es_cpu status" to results
  local v=$1 t0 t1 e0 e1 n status=ok
  rm -f "$tmp/$v"/*.response
  e0=$(es_cpu); t0=$(now)
  curl -s --parallel --parallel-max "$C" -K "$tmp/curl-$v.cfg" 2>"$tmp/curl-$v.err" || status=curl-failed
  t1=$(now); e1=$(es_cpu)
  grep -l '"errors":true' "$tmp/$v"/*.response >/dev/null 2>&1 && status=item-errors
  curl -s -XPOST "$ES/bench-$id-$v-*/_refresh" >/dev/null
  n=$(curl -s "$ES/bench-$id-$v-*/_count" | jq -r '.count // 0')
  [[ $n == "$N" ]] || status="count:$n"
  echo "$v $(echo "$t1 - $t0" | bc) $(echo "${e1:-0} - ${e0:-0}" | bc) $status" >> "$tmp/results"
  tail -1 "$tmp/results" >&2
  for i in $(curl -s "$ES/_cat/indices/bench-$id-$v-*?h=index"); do curl -s -XDELETE "$ES/$i" >/dev/null; done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$tmp/results"
for ((r = 1; r <= R; r++)); do
  for v in sequential random auto; do echo "round $r/$R: $v" >&2; load "$v"; done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "_id layout — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $load_before (start) / $load_after (end)"
echo "Elasticsearch $(curl -s "$ES/_nodes/_local?filter_path=nodes.*.version" | jq -r '.nodes[].version') at $ES; $N documents per load, create, bulks of $BATCH, $C in flight (curl --parallel), one fresh index per load"
echo "seconds: curl start to the last bulk answered; ES CPU s: of the Elasticsearch JVM meanwhile; medians of $R rounds"
echo
awk -v N="$N" -v R="$R" "$AWK_MEDIAN"'
  $4 == "ok" { k = $1; n[k]++; w[k, n[k]] = $2; e[k, n[k]] = $3 }
  $4 != "ok" { bad[$1] = bad[$1] " " $4 }
  END {
    order[1] = "sequential"; order[2] = "random"; order[3] = "auto"
    for (o = 1; o <= 3; o++) { k = order[o]; for (i = 1; i <= n[k]; i++) { ww[i] = w[k, i]; ee[i] = e[k, i] }
      if (n[k]) { mw[k] = median(ww, n[k]); me[k] = median(ee, n[k]) } }
    printf "%-11s %9s %9s %10s %13s %15s  %s\n", "_id", "seconds", "docs/s", "ES CPU s", "ES CPU s/1M", "ES CPU vs random", "runs"
    for (o = 1; o <= 3; o++) {
      k = order[o]
      if (!n[k]) { printf "%-11s n/a (no successful run:%s)\n", k, bad[k]; continue }
      printf "%-11s %9.2f %9.0f %10.2f %13.2f %15s  %d/%d ok%s\n", k, mw[k], N / mw[k], me[k], me[k] * 1000000 / N,
        (me["random"] > 0 ? sprintf("%.2fx", me[k] / me["random"]) : "-"), n[k], R, (bad[k] != "" ? " (failed:" bad[k] ")" : "")
    }
  }' "$tmp/results"
echo "raw runs (variant seconds es_cpu_s status):"
sed 's/^/  /' "$tmp/results"
