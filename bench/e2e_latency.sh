#!/usr/bin/env bash
# End-to-end latency: a line written to a file -> searchable in Elasticsearch, through logpipe-shipper, Kafka and
# logpipe-indexer, at a steady write rate (default 50,000 lines/s). One row per setting: the defaults, then
# each of the three waits on the path shortened alone (Elasticsearch refresh_interval, the indexer's
# batch.max_wait, the shipper's linger.ms), then all three together, so the table shows which one dominates.
# Numbers are for people to read, never asserted: the machines are shared.
#
#   bench/e2e_latency.sh
#   BENCH_RATE=20000 BENCH_SECONDS=20 BENCH_SETTINGS="defaults refresh" bench/e2e_latency.sh
#
# Environment:
#   BENCH_RATE      lines per second written (default 50000), ~200-byte log4j-style text lines
#   BENCH_SECONDS   seconds of writing per setting (default 30); the first BENCH_WARMUP (default 8) are not counted
#   BENCH_SETTINGS  which rows, in order (default "defaults refresh max_wait linger all")
#   BENCH_BROKER    Kafka bootstrap server (default 127.0.0.1:9092)
#   BENCH_ES        Elasticsearch URL (default http://127.0.0.1:9200)
#   LOGPIPE_BUILD_DIR  where the programs were built (default <repo>/build)
#
# How it measures: bench/e2e_probe.cc (logpipe_bench_e2e) appends lines to a fresh file every 5 ms at the rate;
# every 100 ms one line carries a unique marker token and the time its write(2) returned. A second thread
# searches the run's indices every 100 ms for markers not yet seen; a marker's latency is the arrival of the
# first answer containing it minus its write time (so it includes up to one poll interval and the search).
# Each row uses a fresh file, topic (3 partitions), consumer group and index prefix, and fresh shipper and
# indexer processes started before the writer. Everything the script created is removed at the end (trap on
# EXIT); it never stops Kafka or Elasticsearch.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RATE=${BENCH_RATE:-50000}
SECONDS_PER_ROW=${BENCH_SECONDS:-30}
WARMUP=${BENCH_WARMUP:-8}
SETTINGS=${BENCH_SETTINGS:-"defaults refresh max_wait linger all"}
B=${BENCH_BROKER:-127.0.0.1:9092}
ES=${BENCH_ES:-http://127.0.0.1:9200}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
shipper_bin=$build/shipper/logpipe-shipper
indexer_bin=$build/indexer/logpipe-indexer
probe_bin=$build/bench/logpipe_bench_e2e
topics_bin=$build/bench/logpipe_bench_topics
id=e2e$$x$RANDOM

bench_name=e2e_latency
source "$repo/bench/lib.sh"
for b in "$shipper_bin" "$indexer_bin" "$probe_bin" "$topics_bin"; do
  [[ -x $b ]] || die "no $b; build first: cmake --build $build --target logpipe-shipper logpipe-indexer logpipe_bench_e2e logpipe_bench_topics"
done
need_tools kcat curl jq
need_kafka "$B"
need_es "$ES"

tmp=$(mktemp -d /tmp/logpipe_bench_e2e.XXXXXX)
pids=()
cleanup() {
  local i
  stop_pids "${pids[@]}"
  for i in $(curl -s "$ES/_cat/indices/bench-$id-*?h=index" 2>/dev/null); do curl -s -XDELETE "$ES/$i" >/dev/null || true; done
  for i in $(curl -s "$ES/_index_template/*bench-$id-*" 2>/dev/null | jq -r '.index_templates[].name' 2>/dev/null); do
    curl -s -XDELETE "$ES/_index_template/$i" >/dev/null || true
  done
  delete_made_topics "$B" "$topics_bin"
  remove_dir "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

metrics_port() {  # the port a program logged for /metrics (status_listen 127.0.0.1:0), or empty
  grep -o '"serving /metrics and /health".*"port":[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true
}
wait_port() {  # wait_port <stderr file> <pid> <name>: until the program serves /metrics
  local i port
  for i in $(seq 100); do
    port=$(metrics_port "$1")
    [[ -n $port ]] && { echo "$port"; return; }
    kill -0 "$2" 2>/dev/null || die "$3 exited: $(tail -2 "$1")"
    sleep 0.1
  done
  die "$3 did not start serving /metrics"
}

run_row() {  # run_row <setting>
  local s=$1 d=$tmp/$1 prefix="bench-$id-$1-" topic="bench-$id-$1" linger=20 max_wait=500ms refresh="" sp ip out
  mkdir -p "$d"
  case $s in
    defaults) ;;
    refresh) refresh=200ms ;;
    max_wait) max_wait=100ms ;;
    linger) linger=5 ;;
    all) refresh=200ms; max_wait=100ms; linger=5 ;;
    *) die "unknown setting $s (defaults refresh max_wait linger all)" ;;
  esac
  "$topics_bin" "$B" create "$topic" 3 || die "could not create $topic"
  made_topics+=("$topic")
  if [[ -n $refresh ]]; then
    # The indexer installs its own template (priority 200) for the prefix; this copy outranks it and differs
    # only in refresh_interval.
    jq --arg p "$prefix" --arg r "$refresh" '.index_patterns = [$p + "*"] | .priority = 250 | .template.settings.refresh_interval = $r' \
      "$repo/schemas/index-template.json" > "$d/template.json"
    put_index_template "$ES" "bench-$id-$s-refresh" "$d/template.json" || die "could not install the refresh template"
  fi
  : > "$d/app.log"
  cat > "$d/shipper.yaml" <<EOF
kafka:
  brokers: $B
  topic: $topic
  properties: {linger.ms: "$linger"}
inputs:
  - paths: "$d/app.log"
    service: checkout
state:
  checkpoint_file: $d/checkpoint.json
status_listen: 127.0.0.1:0
EOF
  cat > "$d/indexer.yaml" <<EOF
status_listen: 127.0.0.1:0
kafka: {brokers: "$B", topics: ["$topic"], group_id: "bench-$id-$s"}
elasticsearch: {url: "$ES", index_prefix: "$prefix", deadletter_index: "bench-$id-dlq"}
batch: {max_wait: $max_wait}
EOF
  "$indexer_bin" -c "$d/indexer.yaml" 2>"$d/indexer.err" &
  ip=$!; pids+=("$ip")
  "$shipper_bin" -c "$d/shipper.yaml" 2>"$d/shipper.err" &
  sp=$!; pids+=("$sp")
  wait_port "$d/indexer.err" "$ip" logpipe-indexer >/dev/null
  wait_port "$d/shipper.err" "$sp" logpipe-shipper >/dev/null
  echo "row $s: writing $RATE lines/s for ${SECONDS_PER_ROW}s (linger.ms $linger, batch.max_wait $max_wait, refresh ${refresh:-1s})" >&2
  out=$("$probe_bin" --file "$d/app.log" --rate "$RATE" --seconds "$SECONDS_PER_ROW" --es "$ES" \
    --index-pattern "${prefix}*" --id "$(echo "$id$s" | tr -cd 'a-z0-9')" --warmup-seconds "$WARMUP" --grace-seconds 60)
  echo "$s linger=$linger max_wait=$max_wait refresh=${refresh:-1s} $out" | tee -a "$tmp/results" >&2
  kill -TERM "$sp" "$ip" 2>/dev/null || true
  wait "$sp" 2>/dev/null || true
  wait "$ip" 2>/dev/null || true
  for i in $(curl -s "$ES/_cat/indices/$prefix*?h=index"); do curl -s -XDELETE "$ES/$i" >/dev/null; done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$tmp/results"
for s in $SETTINGS; do run_row "$s"; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "End-to-end latency (line written -> searchable) — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $load_before (start) / $load_after (end)"
echo "writer: $RATE lines/s (~200-byte log4j text, one write(2) per 5 ms) for ${SECONDS_PER_ROW}s per row, a marker every 100 ms, the first ${WARMUP}s not counted"
echo "path: file -> logpipe-shipper -> Kafka $B (3 partitions) -> logpipe-indexer -> Elasticsearch $(curl -s "$ES/_nodes/_local?filter_path=nodes.*.version" | jq -r '.nodes[].version') ($ES, 1 node); fresh topic, group and indices per row"
echo "latency: first search answer (polled every 100 ms) containing the marker minus the marker's write time; missing = not found within 60 s after the writer stopped"
echo
awk '
  {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    for (k in v) if (k ~ /_ms$/ && k != "behind_ms" && v[k] == -1) v[k] = ">" grace "s"
    printf "%-9s %10s %10s %8s %8s %8s %8s %8s %8s %8s %9s\n", $1, v["linger"] "ms", v["max_wait"], v["refresh"], v["markers"], v["missing"], v["p50_ms"], v["p90_ms"], v["p99_ms"], v["max_ms"], v["behind_ms"]
  }
  BEGIN { grace = 60; printf "%-9s %10s %10s %8s %8s %8s %8s %8s %8s %8s %9s\n", "setting", "linger.ms", "max_wait", "refresh", "markers", "missing", "p50 ms", "p90 ms", "p99 ms", "max ms", "behind ms" }
' "$tmp/results"
echo
echo "target (issue 5): p99 < 2000 ms at 50,000 lines/s. >60s: that percentile fell on a marker not searchable within 60 s of the"
echo "writer stopping (the pipeline did not keep up with the rate). behind ms: how late the writer ever was against its schedule"
echo "raw:"
sed 's/^/  /' "$tmp/results"
