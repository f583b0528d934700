#!/usr/bin/env bash
# Query latency: logpipe-query vs curl sending the same DSL, on an index of >= 1M events that went through the
# real pipeline (generated log files -> logpipe-shipper -> Kafka -> logpipe-indexer -> Elasticsearch), for four
# typical drill-downs. Prints one table: median and p95 wall time per tool (each a fresh process, as a person
# or script runs them), and the ratio. Numbers are for people to read, never asserted.
#
#   bench/query_latency.sh
#   BENCH_RUNS=50 BENCH_ES=http://127.0.0.1:9200 bench/query_latency.sh
#
# Environment:
#   BENCH_ES         search engine URL (default http://127.0.0.1:9200)
#   BENCH_BROKER     Kafka bootstrap server, only needed to load the data (default 127.0.0.1:9092)
#   BENCH_EVENTS     events to load when the index is missing or smaller (default 1000000)
#   BENCH_INDEX      index prefix (default bench-query-; the daily indices are <prefix>YYYY.MM.DD)
#   BENCH_RUNS       timed runs per tool and drill-down (default 30), after 3 untimed warm-up runs each
#   BENCH_LOAD_TIMEOUT  seconds the load may take (default 1800)
#   LOGPIPE_BUILD_DIR   where the programs were built (default <repo>/build)
#
# The data set is loaded once and reused: when <prefix>* already holds >= BENCH_EVENTS documents the load is
# skipped. Windows are anchored to the data (its newest @timestamp), not to the clock, so a reused index gives
# the same drill-downs hours later. The DSL curl sends is what `logpipe-query ... --print-request` prints, so
# both send the same bytes to the same path. Both write their output to /dev/null; logpipe-query also parses
# the response and formats every event (jsonl), curl only copies the body. Runs alternate tool by tool.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ES=${BENCH_ES:-http://127.0.0.1:9200}
BROKER=${BENCH_BROKER:-127.0.0.1:9092}
N=${BENCH_EVENTS:-1000000}
PREFIX=${BENCH_INDEX:-bench-query-}
RUNS=${BENCH_RUNS:-30}
LOAD_TIMEOUT=${BENCH_LOAD_TIMEOUT:-1800}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
query_bin=$build/query/logpipe-query
shipper_bin=$build/shipper/logpipe-shipper
indexer_bin=$build/indexer/logpipe-indexer
HOSTS=(web-1 web-2 web-3 web-4)
SERVICES=(checkout cart payments gateway inventory)

bench_name=query_latency
source "$repo/bench/lib.sh"
[[ -x $query_bin ]] || die "no $query_bin; build first: LOGPIPE_BUILD_DIR=$build scripts/build.sh"
need_tools curl
need_es "$ES"

tmp=$(mktemp -d /tmp/logpipe-bench-query.XXXXXX)
pids=()
cleanup() {
  stop_pids "${pids[@]}"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

es_json() {  # es_json METHOD PATH [BODY]
  curl -s -X "$1" -H 'Content-Type: application/json' "$ES$2" ${3:+--data-binary "$3"}
}
doc_count() {
  es_json GET "/$PREFIX*/_count?ignore_unavailable=true&allow_no_indices=true" | grep -o '"count":[0-9]*' | grep -o '[0-9]*$' || echo 0
}

# -----------------------------------------------------------------------------------------------------------------
# The data set: per host and service one JSON-lines file (logstash-encoder style) of N/20 events spread evenly
# over the two hours before the generation time; ~3 % errors with Java stack traces of 6 kinds (so errors have
# 6 fingerprints); a trace id shared by the same line number of every file, 4 lines in a row (80 events per
# trace, across hosts and services); message words from fixed templates, "declined" in ~2.5 % of them.
generate() {  # generate <dir> <host> <service> <count> <end_epoch_s>
  awk -v n="$4" -v host="$2" -v svc="$3" -v end_s="$5" '
    function rnd(m) { s = (s * 48271) % 2147483647; return s % m }
    function hex8(x,   k, out) { out = ""; for (k = 0; k < 8; k++) { x = (x * 1103515245 + 12345) % 2147483648; out = out substr("0123456789abcdef", int(x / 65536) % 16 + 1, 1) } return out }
    function ts(ms,   sec, frac) { sec = int(ms / 1000); frac = ms % 1000; return strftime("%Y-%m-%dT%H:%M:%S", sec, 1) sprintf(".%03dZ", frac) }
    BEGIN {
      s = 7; for (k = 1; k <= length(host svc); k++) s = (s * 31 + index("abcdefghijklmnopqrstuvwxyz0123456789-", substr(host svc, k, 1))) % 2147483647
      if (s == 0) s = 1
      split("Order placed for customer|Payment authorized|Cache miss for product|Completed request in|Retrying call to stock service|Token validated for user|Slow query detected on table|Shipping rate computed|Cart updated with item|Inventory reserved for order|Card declined by issuer|Session refreshed", ms, "|")
      split("INFO INFO INFO INFO INFO INFO INFO DEBUG DEBUG WARN", lv, " ")
      split("java.io.IOException: disk full|java.net.SocketTimeoutException: Read timed out|java.lang.IllegalStateException: cart is closed|org.postgresql.util.PSQLException: connection refused|java.lang.NullPointerException: user is null|com.example.PaymentException: gateway returned 502", ex, "|")
      split("OrderService.place(OrderService.java:88)|StockClient.reserve(StockClient.java:41)|CartController.add(CartController.java:57)|JdbcRepo.query(JdbcRepo.java:120)|UserService.load(UserService.java:33)|PaymentGateway.charge(PaymentGateway.java:210)", fr, "|")
      start_ms = (end_s - 7200) * 1000; step = 7200000 / n
      for (i = 0; i < n; i++) {
        t = ts(int(start_ms + i * step))
        trace = hex8(int(i / 4) + 1) hex8(int(i / 4) + 7) hex8(int(i / 4) + 13) hex8(int(i / 4) + 29)
        m = ms[rnd(12) + 1] " " rnd(100000)
        if (rnd(1000) < 30) {
          e = rnd(6) + 1
          printf "{\"@timestamp\":\"%s\",\"message\":\"request failed: %s\",\"logger_name\":\"com.example.%s\",\"thread_name\":\"http-nio-8080-exec-%d\",\"level\":\"ERROR\",\"trace_id\":\"%s\",\"stack_trace\":\"%s\\n\\tat com.example.%s\\n\\tat com.example.Handler.handle(Handler.java:19)\\n\\tat java.base/java.lang.Thread.run(Thread.java:840)\"}\n", t, m, svc, rnd(20), trace, ex[e], fr[e]
        } else {
          printf "{\"@timestamp\":\"%s\",\"message\":\"%s\",\"logger_name\":\"com.example.%s\",\"thread_name\":\"http-nio-8080-exec-%d\",\"level\":\"%s\",\"trace_id\":\"%s\"}\n", t, m, svc, rnd(20), lv[rnd(10) + 1], trace
        }
      }
    }' > "$1/$3.log"
}

load() {
  [[ -x $shipper_bin && -x $indexer_bin ]] || die "no shipper/indexer in $build; build them first"
  command -v kcat >/dev/null && { kcat -b "$BROKER" -L -m 10 >/dev/null 2>&1 || die "no Kafka broker at $BROKER"; }
  local id topic per end t0 h s d count last_count stalled
  id=$(date +%s)-$$
  topic="bench-query-$id"
  per=$(( (N + ${#HOSTS[@]} * ${#SERVICES[@]} - 1) / (${#HOSTS[@]} * ${#SERVICES[@]}) ))
  end=$(date +%s)
  echo "loading $(( per * ${#HOSTS[@]} * ${#SERVICES[@]} )) events: files -> logpipe-shipper -> Kafka topic $topic -> logpipe-indexer -> $ES/$PREFIX*"
  t0=$(date +%s)
  for h in "${HOSTS[@]}"; do
    d="$tmp/$h"; mkdir -p "$d"
    for s in "${SERVICES[@]}"; do generate "$d" "$h" "$s" "$per" "$end"; done
    {
      echo "host: $h"
      echo "kafka: {brokers: \"$BROKER\", topic: $topic}"
      echo "status_listen: \"\""
      echo "state: {checkpoint_file: $d/checkpoint.json}"
      echo "inputs:"
      for s in "${SERVICES[@]}"; do echo "  - {paths: \"$d/$s.log\", service: $s, format: json}"; done
    } > "$d/shipper.yaml"
  done
  echo "  generated in $(( $(date +%s) - t0 )) s"
  cat > "$tmp/indexer.yaml" <<EOF
status_listen: ""
kafka: {brokers: "$BROKER", topics: [$topic], group_id: $topic}
elasticsearch: {url: "$ES", index_prefix: $PREFIX}
batch: {max_docs: 5000}
EOF
  "$indexer_bin" -c "$tmp/indexer.yaml" 2>"$tmp/indexer.log" & pids+=($!)
  for h in "${HOSTS[@]}"; do "$shipper_bin" -c "$tmp/$h/shipper.yaml" 2>"$tmp/$h/shipper.log" & pids+=($!); done
  last_count=-1; stalled=0
  while :; do
    sleep 5
    es_json POST "/$PREFIX*/_refresh?ignore_unavailable=true&allow_no_indices=true" >/dev/null
    count=$(doc_count)
    echo "  $(( $(date +%s) - t0 )) s: $count documents"
    (( count >= N )) && break
    (( $(date +%s) - t0 > LOAD_TIMEOUT )) && die "load not done after $LOAD_TIMEOUT s ($count documents; logs in $tmp)"
    if (( count == last_count )); then stalled=$(( stalled + 1 )); else stalled=0; fi
    (( stalled < 24 )) || { tail -5 "$tmp/indexer.log" >&2; die "no progress for 2 minutes at $count documents"; }
    last_count=$count
  done
  echo "  loaded in $(( $(date +%s) - t0 )) s"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

count=$(doc_count)
if (( count >= N )); then
  echo "reusing $PREFIX* ($count documents)"
else
  (( count == 0 )) || echo "$PREFIX* holds only $count documents: loading more"
  load
  count=$(doc_count)
fi

# -----------------------------------------------------------------------------------------------------------------
# The drill-downs, anchored to the newest event of the data set.
span=$(es_json POST "/$PREFIX*/_search?size=0" '{"aggs":{"min":{"min":{"field":"@timestamp"}},"max":{"max":{"field":"@timestamp"}}}}')
max_ms=$(grep -o '"max":{"value":[0-9.E]*' <<<"$span" | grep -o '[0-9.E]*$' | awk '{printf "%.0f", $1}')
min_ms=$(grep -o '"min":{"value":[0-9.E]*' <<<"$span" | grep -o '[0-9.E]*$' | awk '{printf "%.0f", $1}')
iso() { date -u -d "@$(( $1 / 1000 )).$(printf %03d $(( $1 % 1000 )))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
last_hour="--from $(iso $(( max_ms - 3600000 ))) --to $(iso $(( max_ms + 1 )))"
all_data="--from $(iso "$min_ms") --to $(iso $(( max_ms + 1 )))"
trace=$(es_json POST "/$PREFIX*/_search" '{"size":1,"_source":["trace.id"],"sort":[{"@timestamp":"desc"}],"query":{"bool":{"filter":[{"term":{"host.name":"web-3"}},{"term":{"service.name":"payments"}}]}}}' \
  | grep -o '"trace":{"id":"[0-9a-f]*"' | grep -o '[0-9a-f]\{32\}' || true)
[[ -n $trace ]] || die "no trace id found in $PREFIX*"

names=("host+service, last hour" "one trace id" "text term" "top error groups")
args=("-H web-2 -s checkout $last_hour"
      "--trace $trace $all_data"
      "declined $all_data"
      "errors $all_data")

base=(--url "$ES" --index "$PREFIX*")
ms_since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }
stats() {  # stats FILE -> "median p95" (ms)
  sort -n "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; p = int(NR * 0.95 + 0.999); if (p < 1) p = 1; printf "%.1f %.1f", m, v[p] }'
}

rows=()
raw=()
for i in "${!names[@]}"; do
  # shellcheck disable=SC2206  # the argument strings above are word lists on purpose
  a=(${args[$i]})
  cmd=("$query_bin" "${a[@]}" "${base[@]}" -o jsonl -q)
  "${cmd[@]}" --print-request > "$tmp/request" || die "--print-request failed for ${names[$i]}"
  path=$(head -1 "$tmp/request" | cut -d' ' -f2-)
  sed -n 2p "$tmp/request" > "$tmp/body.json"
  curl_cmd=(curl -s -o /dev/null -XPOST -H 'Content-Type: application/json' --data-binary "@$tmp/body.json" "$ES$path")
  status=$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'Content-Type: application/json' --data-binary "@$tmp/body.json" "$ES$path")
  [[ $status == 200 ]] || die "curl got HTTP $status for ${names[$i]}"
  events=$( { "$query_bin" "${a[@]}" "${base[@]}" -o jsonl 2>&1 >/dev/null || true; } | grep -o '^[0-9]* event(s)' | grep -o '^[0-9]*' | head -1 || true)
  [[ -n $events ]] || events='?'
  : > "$tmp/q"; : > "$tmp/c"
  for w in 1 2 3; do "${cmd[@]}" >/dev/null 2>&1 || true; "${curl_cmd[@]}" || true; done
  for ((r = 0; r < RUNS; r++)); do
    t0=$EPOCHREALTIME; "${cmd[@]}" >/dev/null 2>&1 || true; t1=$EPOCHREALTIME
    ms_since "$t0" "$t1" >> "$tmp/q"; echo >> "$tmp/q"
    t0=$EPOCHREALTIME; "${curl_cmd[@]}" || true; t1=$EPOCHREALTIME
    ms_since "$t0" "$t1" >> "$tmp/c"; echo >> "$tmp/c"
  done
  read -r qm qp <<<"$(stats "$tmp/q")"
  read -r cm cp <<<"$(stats "$tmp/c")"
  rows+=("$(printf '%-26s %8s %12s %10s %12s %10s %9s %9s' "${names[$i]}" "$events" "$qm" "$qp" "$cm" "$cp" \
            "$(awk -v a="$qm" -v b="$cm" 'BEGIN { printf "%.2fx", a / b }')" "$(awk -v a="$qp" -v b="$cp" 'BEGIN { printf "%.2fx", a / b }')")")
  raw+=("${names[$i]}: logpipe-query $(tr '\n' ' ' < "$tmp/q")" "${names[$i]}: curl $(tr '\n' ' ' < "$tmp/c")")
  raw+=("${names[$i]}: request: POST $path $(cut -c1-300 "$tmp/body.json")")
done

# Reference: what starting each process and failing to connect costs (nothing listens on port 1), i.e. the
# part of every row above that is not the search.
: > "$tmp/q"; : > "$tmp/c"
for ((r = 0; r < RUNS; r++)); do
  t0=$EPOCHREALTIME; "$query_bin" --url http://127.0.0.1:1 -q >/dev/null 2>&1 || true; t1=$EPOCHREALTIME
  ms_since "$t0" "$t1" >> "$tmp/q"; echo >> "$tmp/q"
  t0=$EPOCHREALTIME; curl -s -o /dev/null http://127.0.0.1:1/ || true; t1=$EPOCHREALTIME
  ms_since "$t0" "$t1" >> "$tmp/c"; echo >> "$tmp/c"
done
read -r qm qp <<<"$(stats "$tmp/q")"
read -r cm cp <<<"$(stats "$tmp/c")"
reference=$(printf '%-26s %8s %12s %10s %12s %10s %9s %9s' "(start, connection refused)" "-" "$qm" "$qp" "$cm" "$cp" \
            "$(awk -v a="$qm" -v b="$cm" 'BEGIN { printf "%.2fx", a / b }')" "$(awk -v a="$qp" -v b="$cp" 'BEGIN { printf "%.2fx", a / b }')")

engine=$(curl -s "$ES/_cluster/health" | grep -o '"cluster_name":"[^"]*"' || true)
echo
echo "Query latency — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "index: $PREFIX* on $ES ($engine), $count documents, $(iso "$min_ms") .. $(iso "$max_ms"); windows anchored to the newest event"
echo "each tool is a new process per run: logpipe-query ... -o jsonl -q >/dev/null  vs  curl -s -o /dev/null -XPOST --data-binary @<the same DSL> <the same path>"
echo "$RUNS timed runs per tool (after 3 warm-up runs), alternating; milliseconds, wall time of the process"
echo
printf '%-26s %8s %12s %10s %12s %10s %9s %9s\n' "drill-down" "events" "query med" "query p95" "curl med" "curl p95" "ratio" "p95 ratio"
for r in "${rows[@]}"; do echo "$r"; done
echo "$reference"
echo
echo "drill-downs (logpipe-query arguments):"
for i in "${!names[@]}"; do echo "  ${names[$i]}: ${args[$i]}"; done
echo "raw runs (ms) and requests:"
for r in "${raw[@]}"; do echo "  $r"; done
