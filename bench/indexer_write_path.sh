#!/usr/bin/env bash
# Indexer write path: the same records indexed with different write settings, side by side in one run —
# bulk requests in flight (elasticsearch.concurrency) and gzip request bodies (elasticsearch.gzip) — to
# choose the defaults. Prints one table (medians of R rounds, settings alternated per round). Numbers are
# for people to read, never asserted: the machines are shared.
#
#   bench/indexer_write_path.sh
#   BENCH_RECORDS=100000 BENCH_RUNS=3 BENCH_SETTINGS="1:off 2:off 4:off 2:on" bench/indexer_write_path.sh
#
# Environment:
#   BENCH_RECORDS   records in the topic (default 200000), logback-encoder JSON lines of ~300 bytes
#   BENCH_RUNS      rounds; each round runs every setting once (default 3)
#   BENCH_SETTINGS  space-separated <concurrency>:<gzip on|off> (default "1:off 2:off 4:off 2:on 4:on")
#   BENCH_BROKER    Kafka bootstrap server (default 127.0.0.1:9092)
#   BENCH_ES        Elasticsearch URL (default http://127.0.0.1:9200)
#   BENCH_TIMEOUT   seconds one run may take (default 600)
#   LOGPIPE_BUILD_DIR  where logpipe-indexer was built (default <repo>/build)
#
# The records are produced once with `kcat -P -l` (value only, no logpipe headers: every setting parses the
# same bytes) to a fresh topic with 3 partitions. Each run is a fresh consumer group reading the topic from
# the start into fresh indices; it ends when logpipe_indexer_documents_indexed_total on /metrics reaches N.
# The run's indices are deleted afterwards.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_RECORDS:-200000}
R=${BENCH_RUNS:-3}
SETTINGS=${BENCH_SETTINGS:-"1:off 2:off 4:off 2:on 4:on"}
B=${BENCH_BROKER:-127.0.0.1:9092}
ES=${BENCH_ES:-http://127.0.0.1:9200}
TIMEOUT=${BENCH_TIMEOUT:-600}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
indexer_bin=$build/indexer/logpipe-indexer
cache=/tmp/logpipe-bench
runid=$(date +%s)-$$

bench_name=indexer_write_path
source "$repo/bench/lib.sh"
[[ -x $indexer_bin ]] || die "no $indexer_bin; build first: LOGPIPE_BUILD_DIR=$build scripts/build.sh"
need_tools kcat curl
need_gnu_time
need_kafka "$B"
need_es "$ES"

tmp=$(mktemp -d /tmp/logpipe-bench-idx.XXXXXX)
pids=()
cleanup() {
  stop_pids "${pids[@]}"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Input: N logstash-logback-encoder lines, ~300 bytes, deterministic (own MINSTD generator).
gen_json() {  # gen_json <count> <seed>
  awk -v n="$1" -v seed="$2" '
    function rnd(m) { s = (s * 48271) % 2147483647; return s % m }
    BEGIN {
      s = seed
      split("INFO INFO INFO INFO INFO INFO DEBUG DEBUG WARN ERROR", lv, " ")
      split("http-nio-8080-exec-1 http-nio-8080-exec-7 scheduling-1 kafka-consumer-3 main task-4", th, " ")
      split("com.example.checkout.OrderService com.example.payments.PaymentGateway org.springframework.web.servlet.DispatcherServlet com.example.inventory.StockClient", lg, " ")
      split("Order placed|Payment authorized|Cache miss for product|Completed request|Retrying call to stock service|Slow query detected", ms, "|")
      hex = "0123456789abcdef"
      t = 1795000000
      for (i = 1; i <= n; i++) {
        t += rnd(2)
        trace = ""; for (k = 0; k < 16; k++) trace = trace substr(hex, rnd(16) + 1, 1)
        printf "{\"@timestamp\":\"2026-11-%02dT%02d:%02d:%02d.%03dZ\",\"@version\":\"1\",\"message\":\"%s id=%d amount=%d.%02d\",\"logger_name\":\"%s\",\"thread_name\":\"%s\",\"level\":\"%s\",\"level_value\":20000,\"traceId\":\"%s\",\"userId\":\"u-%05d\",\"region\":\"eu-west-1\"}\n",
          18 + int((t - 1795000000) / 86400), int(t % 86400 / 3600), int(t % 3600 / 60), t % 60, rnd(1000),
          ms[rnd(6) + 1], rnd(1000000), rnd(5000), rnd(100), lg[rnd(4) + 1], th[rnd(6) + 1], lv[rnd(10) + 1],
          trace, rnd(100000)
      }
    }'
}
mkdir -p "$cache"
input=$cache/indexer-input-$N-v1.jsonl
if [[ ! -s $input ]]; then
  echo "generating $input ..." >&2
  gen_json "$N" 7 > "$input.tmp" && mv "$input.tmp" "$input"
fi
bytes=$(stat -c %s "$input")
gz1=$(gzip -1 -c "$input" | wc -c)

topic=bench-idx-$runid
echo "producing $N records to $topic ..." >&2
kcat -P -b "$B" -t "$topic" -X compression.codec=zstd -X linger.ms=20 -l "$input" 2>"$tmp/kcat.err" ||
  die "producing failed: $(tail -1 "$tmp/kcat.err")"

now() { date +%s.%N; }
record() { echo "$1 $2 $3 $4 $5" >> "$tmp/results"; }  # setting wall cpu rss_kib status

run_indexer() {  # run_indexer <concurrency> <gzip on|off> <round>
  local conc=$1 gz=$2 round=$3 name="c$1-gzip-$2" d t0 t1 tp port="" done_n=0
  local group=bench-idx-$runid-$conc-$gz-$round
  d=$tmp/$group; mkdir -p "$d"
  cat > "$d/indexer.yaml" <<EOF
kafka:
  brokers: $B
  topics: [$topic]
  group_id: $group
  lag_interval: 0s
elasticsearch:
  url: $ES
  index_prefix: $group-
  deadletter_index: $group-dlq
  concurrency: $conc
  gzip: $([[ $gz == on ]] && echo true || echo false)
batch:
  max_wait: 200ms
status_listen: 127.0.0.1:0
EOF
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" "$indexer_bin" -c "$d/indexer.yaml" 2>"$d/stderr" &
  tp=$!; pids+=("$tp")
  while :; do
    if [[ -z $port ]]; then
      port=$(grep -o '"serving /metrics and /health".*"port":[0-9]*' "$d/stderr" 2>/dev/null | grep -o '[0-9]*$' || true)
    else
      done_n=$(curl -s "http://127.0.0.1:$port/metrics" |
        awk '$1 == "logpipe_indexer_documents_indexed_total" {printf "%d", $2}')
      [[ ${done_n:-0} -ge $N ]] && break
    fi
    if ! kill -0 "$tp" 2>/dev/null; then record "$name" 0 0 0 "exited"; return; fi
    if (( $(echo "$(now) - $t0 > $TIMEOUT" | bc) )); then record "$name" 0 0 0 "timeout:$done_n"; break; fi
    sleep 0.1
  done
  t1=$(now)
  pkill -TERM -P "$tp" 2>/dev/null || true
  wait "$tp" 2>/dev/null || true
  pids=("${pids[@]/$tp}")
  [[ ${done_n:-0} -ge $N ]] &&
    record "$name" "$(echo "$t1 - $t0" | bc)" $(tail -1 "$d/time" | awk '{printf "%.2f %d", $2 + $3, $4}') ok
  curl -s -XDELETE "$ES/$group-*" >/dev/null || true
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$R"); do
  for s in $SETTINGS; do
    echo "round $round: concurrency ${s%%:*}, gzip ${s##*:}" >&2
    run_indexer "${s%%:*}" "${s##*:}" "$round"
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "Indexer write path — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $load_start (start) / $load_end (end)"
echo "input: $N records, $bytes bytes (avg $((bytes / N)) B), logback-encoder JSON; gzip -1 of the input: $((100 * gz1 / bytes)) % of its size"
echo "Kafka $B (topic $topic, 3 partitions), Elasticsearch $ES; indexer defaults except the two settings; batch.max_wait 200ms"
echo "seconds: start of the process to documents_indexed_total = N on /metrics (polled every 0.1 s); median of $R rounds"
echo "CPU s: user+sys of the indexer process, median; RSS: max over runs"
echo
awk -v n="$N" -v settings="$SETTINGS" '
  { key = $1; if ($5 == "ok") { w[key] = w[key] " " $2; c[key] = c[key] " " $3; if ($4 > r[key]) r[key] = $4; ok[key]++ } runs[key]++ }
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " "); if (k == 0) return 0
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  END {
    printf "%-16s %9s %10s %8s %8s %10s  %s\n", "setting", "seconds", "docs/s", "CPU s", "RSS MiB", "vs c1-off", "runs"
    split(settings, order, " ")
    base = median(w["c1-gzip-off"])
    for (i = 1; i in order; i++) {
      split(order[i], p, ":"); key = "c" p[1] "-gzip-" p[2]
      m = median(w[key])
      printf "%-16s %9.2f %10d %8.2f %8.1f %10s  %d/%d ok\n", key, m, (m > 0 ? n / m : 0), median(c[key]), r[key] / 1024,
        (m > 0 && base > 0 ? sprintf("%.2fx", base / m) : "-"), ok[key], runs[key]
    }
  }' "$tmp/results"
echo "raw runs (setting wall_s cpu_s rss_KiB status):"
sed 's/^/  /' "$tmp/results"
