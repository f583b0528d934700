#!/usr/bin/env bash
# Indexer throughput into Elasticsearch: logpipe-indexer vs an ideal loader (pre-rendered bulk bodies of the
# same documents, sent with curl at the same batch size and concurrency: the ceiling Elasticsearch allows) vs
# rsyslog imkafka -> mmjsonparse -> omelasticsearch, from the same pre-loaded Kafka topic into the same local
# Elasticsearch, in one run. Prints one table (medians of R rounds, contenders alternated per round).
# Numbers are for people to read, never asserted: the machines are shared.
#
#   bench/indexer_throughput.sh
#   BENCH_EVENTS=200000 BENCH_RUNS=3 BENCH_CONCURRENCY=2 bench/indexer_throughput.sh
#
# Environment:
#   BENCH_EVENTS       events in the topic (default 500000): ~320-byte logback JSON lines (the microbenchmark's)
#   BENCH_RUNS         rounds; each round runs every contender once (default 1)
#   BENCH_BATCH        documents per bulk request for all three (default 2000, the indexer's batch.max_docs)
#   BENCH_CONCURRENCY  bulk requests in flight for all three (default 2, the indexer's elasticsearch.concurrency
#                      default): curl --parallel-max, the indexer's elasticsearch.concurrency, rsyslog's action
#                      queue workers. An indexer without that option runs with what it has (the table says so).
#   BENCH_AUTO_ID      1 (default): also run "ideal-autoid", the ideal loader's bodies without `_id` (Elasticsearch
#                      picks the ids, as rsyslog's omelasticsearch does): a diagnostic row that shows what the
#                      deterministic `_id` (exactly once) costs Elasticsearch. 0: leave it out.
#   BENCH_BROKER       Kafka bootstrap server (default 127.0.0.1:9092)
#   BENCH_ES           Elasticsearch URL, http://host:port (default http://127.0.0.1:9200)
#   BENCH_TIMEOUT      seconds one run may take (default 900)
#   LOGPIPE_BUILD_DIR  where logpipe-shipper, logpipe-indexer and bench/ were built (default <repo>/build)
#
# The topic is loaded once per invocation by logpipe-shipper (so the records carry the shipper's headers), with
# 3 partitions. Each contender then reads all of it with its own consumer group and writes its own indices
# bench-ix-<id>-<contender>-*, created from the same index template (schemas/index-template.json). A run ends
# when `_count` on its indices reaches N (polled every 0.25 s; the template's refresh_interval is 1 s, so every
# contender's time includes up to ~1 s until the last documents are searchable). Its indices are deleted right
# after it is counted. At the end the script deletes its topic, templates and remaining indices, and stops every
# process it started (trap on EXIT). It never stops Kafka or Elasticsearch.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_EVENTS:-500000}
R=${BENCH_RUNS:-1}
BATCH=${BENCH_BATCH:-2000}
C=${BENCH_CONCURRENCY:-2}
AUTO_ID=${BENCH_AUTO_ID:-1}
B=${BENCH_BROKER:-127.0.0.1:9092}
ES=${BENCH_ES:-http://127.0.0.1:9200}
TIMEOUT=${BENCH_TIMEOUT:-900}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
stack=${LOGPIPE_STACK_DIR:-$repo/build/stack}
shipper_bin=$build/shipper/logpipe-shipper
indexer_bin=$build/indexer/logpipe-indexer
gen_bin=$build/bench/logpipe_bench_normalize
topics_bin=$build/bench/logpipe_bench_topics
cache=/tmp/logpipe-bench
id=ix$$x$RANDOM
topic=bench-$id-input

bench_name=indexer_throughput
source "$repo/bench/lib.sh"
for b in "$shipper_bin" "$indexer_bin" "$gen_bin" "$topics_bin"; do
  [[ -x $b ]] || die "no $b; build first: cmake --build $build --target logpipe-shipper logpipe-indexer logpipe_bench_normalize logpipe_bench_topics"
done
need_tools kcat curl jq bc
need_gnu_time
need_kafka "$B"
need_es "$ES"
es_host=$(echo "$ES" | sed -E 's#^https?://##; s#[:/].*$##')
es_port=$(echo "$ES" | sed -nE 's#^https?://[^:/]+:([0-9]+).*$#\1#p'); es_port=${es_port:-9200}

tmp=$(mktemp -d /tmp/logpipe-bench-ix.XXXXXX)
pids=()
cleanup() {
  local i
  stop_pids "${pids[@]}"
  for i in $(curl -s "$ES/_cat/indices/bench-$id-*?h=index" 2>/dev/null); do curl -s -XDELETE "$ES/$i" >/dev/null || true; done
  for i in ideal noid lp rsys; do curl -s -XDELETE "$ES/_index_template/logpipe-bench-$id-$i-" >/dev/null 2>&1 || true; done
  "$topics_bin" "$B" delete "$topic" 2>/dev/null || echo "indexer_throughput: could not delete topic $topic" >&2
  remove_dir "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# rsyslog with imkafka and omelasticsearch: installed here when missing (root only); else the row is n/a.
rsyslog_na=""
have_rsyslog() { [[ -x /usr/sbin/rsyslogd && -n $(find /usr/lib -name imkafka.so 2>/dev/null | head -1) && -n $(find /usr/lib -name omelasticsearch.so 2>/dev/null | head -1) ]]; }
if ! have_rsyslog; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "installing rsyslog rsyslog-kafka rsyslog-elasticsearch ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rsyslog rsyslog-kafka rsyslog-elasticsearch \
      >"$tmp/apt.log" 2>&1 || rsyslog_na="apt-get install failed: $(tail -1 "$tmp/apt.log")"
  else
    rsyslog_na="rsyslog-kafka/rsyslog-elasticsearch not installed and not root"
  fi
fi
[[ -n $rsyslog_na ]] || have_rsyslog || rsyslog_na="no rsyslogd with imkafka and omelasticsearch"
rsyslog_version=$([[ -x /usr/sbin/rsyslogd ]] && /usr/sbin/rsyslogd -v 2>/dev/null | head -1 | awk '{print $2}' | tr -d ',' || echo "-")

# Does this indexer have the bulks-in-flight option? (Before it, the indexer sent one bulk at a time.)
inflight_key=""
# (grep without -q reads all: -q exits at the match, the indexer dies of SIGPIPE and pipefail fails the test)
if "$indexer_bin" --print-config-reference | grep '^| `elasticsearch.concurrency`' >/dev/null; then inflight_key=elasticsearch.concurrency; fi

# ---------------------------------------------------------------------------------------------------------------
now() { date +%s.%N; }
es_count() { curl -s "$ES/bench-$id-$1-*/_count" | jq -r '.count // 0' 2>/dev/null || echo 0; }
es_delete() { local i; for i in $(curl -s "$ES/_cat/indices/bench-$id-$1-*?h=index"); do curl -s -XDELETE "$ES/$i" >/dev/null; done; }
es_cpu() { proc_cpu "$stack/es/es.pid"; }  # the Elasticsearch JVM's CPU s so far (empty: not our stack's)
put_template() {  # the indexer's own template, for the other contenders' prefixes
  sed "s/\${INDEX_PREFIX}/bench-$id-$1-/g" "$repo/schemas/index-template.json" > "$tmp/template-$1.json"
  put_index_template "$ES" "logpipe-bench-$id-$1-" "$tmp/template-$1.json" || die "could not install the index template for $1"
}
record() { echo "$*" >> "$tmp/results"; }  # contender wall cpu rss es_cpu status
time_fields() { tail -1 "$1" | awk '{printf "%.2f %d", $2 + $3, $4}'; }  # '%e %U %S %M' -> "cpu rss_kib"
stop_timed() { pkill -TERM -P "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# Waits until `_count` of the contender's indices reaches N, the process exits early, or no progress for 60 s.
# Sets: t_end, wait_status (ok | exited | stalled:<count> | timeout:<count>).
wait_count() {  # wait_count <contender> <time pid> <t0>
  local name=$1 tp=$2 t0=$3 n last=-1 since
  since=$(now)
  while :; do
    n=$(es_count "$name")
    if [[ $n -ge $N ]]; then t_end=$(now); wait_status=ok; return; fi
    if [[ $n != "$last" ]]; then last=$n; since=$(now); fi
    t_end=$t0  # a failed run records 0 s
    if ! kill -0 "$tp" 2>/dev/null && [[ $name != ideal && $name != noid ]]; then wait_status="exited:$n"; return; fi
    if (( $(echo "$(now) - $since > 60" | bc) )); then wait_status="stalled:$n"; return; fi
    if (( $(echo "$(now) - $t0 > $TIMEOUT" | bc) )); then wait_status="timeout:$n"; return; fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------------------------------------------
# Input: N logback JSON lines, generated once (fixed seed), shipped once into a fresh 3-partition topic.
mkdir -p "$cache"
input=$cache/indexer-input-$N-v1.log
if [[ ! -s $input ]]; then
  echo "generating $input ..." >&2
  "$gen_bin" --write-lines "$input.tmp" --case logback --events "$N" && mv "$input.tmp" "$input"
fi
bytes=$(stat -c %s "$input")
"$topics_bin" "$B" create "$topic" 3 || die "could not create topic $topic"
echo "loading $N events into $topic with logpipe-shipper ..." >&2
cat > "$tmp/shipper.yaml" <<EOF
kafka:
  brokers: $B
  topic: $topic
inputs:
  - paths: "$input"
    service: checkout
    format: json
state:
  checkpoint_file: $tmp/shipper-checkpoint.json
status_listen: 127.0.0.1:0
EOF
"$shipper_bin" -c "$tmp/shipper.yaml" 2>"$tmp/shipper.err" &
sp=$!; pids+=("$sp")
port=""; acked=0; t0=$(now)
while [[ $acked -lt $N ]]; do
  kill -0 "$sp" 2>/dev/null || die "logpipe-shipper exited: $(tail -2 "$tmp/shipper.err")"
  (( $(echo "$(now) - $t0 > $TIMEOUT" | bc) )) && die "loading the topic timed out ($acked of $N)"
  if [[ -z $port ]]; then
    port=$(grep -o '"serving /metrics and /health".*"port":[0-9]*' "$tmp/shipper.err" 2>/dev/null | grep -o '[0-9]*$' || true)
  else
    acked=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^logpipe_shipper_lines_acked_total/ {s += $2} END {printf "%d", s}')
  fi
  sleep 0.2
done
kill -TERM "$sp"; wait "$sp" 2>/dev/null || true
in_topic=$(kcat -Q -b "$B" -t "$topic:0:-1" -t "$topic:1:-1" -t "$topic:2:-1" 2>/dev/null | awk '/offset/ {s += $NF} END {print s}')
[[ $in_topic == "$N" ]] || die "topic $topic holds $in_topic records, expected $N"

# Ideal loader input: the same lines rendered by the indexer's own code into bulk bodies of BATCH documents.
mkdir -p "$tmp/bulk"
"$gen_bin" --render-bulk "$tmp/bulk" --lines "$input" --index-prefix "bench-$id-ideal-" --batch "$BATCH" >/dev/null
: > "$tmp/curl.cfg"
first=1
for f in "$tmp"/bulk/bulk-*.ndjson; do  # one transfer per body; `next` separates them (a trailing one is an error)
  ((first)) || echo next >> "$tmp/curl.cfg"
  first=0
  printf 'url = "%s/_bulk"\nrequest = "POST"\nheader = "Content-Type: application/x-ndjson"\ndata-binary = "@%s"\noutput = "%s.response"\nsilent\n' \
    "$ES" "$f" "$f" >> "$tmp/curl.cfg"
done
bulk_bytes=$(cat "$tmp"/bulk/bulk-*.ndjson | wc -c)
put_template ideal
if [[ $AUTO_ID == 1 ]]; then  # the same bodies, `_id` removed from the action lines, into their own indices
  mkdir -p "$tmp/noid"
  for f in "$tmp"/bulk/bulk-*.ndjson; do
    sed -E 's/,"_id":"[A-Za-z0-9_-]+"//; s/"_index":"bench-'"$id"'-ideal-/"_index":"bench-'"$id"'-noid-/' "$f" > "$tmp/noid/$(basename "$f")"
  done
  sed "s#$tmp/bulk/#$tmp/noid/#g" "$tmp/curl.cfg" > "$tmp/curl-noid.cfg"
  put_template noid
fi
put_template rsys

# ---------------------------------------------------------------------------------------------------------------
run_ideal() {  # run_ideal <indices: ideal|noid> <bodies dir> <curl config> <row name>
  local t0 tp e0
  es_delete "$1"; rm -f "$2"/*.response
  e0=$(es_cpu); t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time-$1" curl -s --parallel --parallel-max "$C" -K "$3" \
    2>"$tmp/curl-$1.err" &
  tp=$!; pids+=("$tp")
  wait_count "$1" "$tp" "$t0"
  wait "$tp" 2>/dev/null || true
  if [[ $wait_status == ok ]] && grep -l '"errors":true' "$2"/*.response >/dev/null 2>&1; then wait_status=item-errors; fi
  record "$4" "$(echo "${t_end:-0} - $t0" | bc)" $(time_fields "$tmp/time-$1") "$(echo "$(es_cpu) - $e0" | bc)" "$wait_status"
  es_delete "$1"
}

run_indexer() {  # run_indexer <round>
  local d=$tmp/indexer-$1 t0 tp e0 conc=""
  mkdir -p "$d"
  es_delete lp
  [[ -n $inflight_key ]] && conc=", concurrency: $C"
  cat > "$d/indexer.yaml" <<EOF
status_listen: 127.0.0.1:0
kafka: {brokers: "$B", topics: ["$topic"], group_id: "bench-$id-lp-$1"}
elasticsearch: {url: "$ES", index_prefix: "bench-$id-lp-", deadletter_index: "bench-$id-dlq"$conc}
batch: {max_docs: $BATCH}
EOF
  "$indexer_bin" --check-config -c "$d/indexer.yaml" >/dev/null || die "indexer config rejected: $("$indexer_bin" --check-config -c "$d/indexer.yaml" 2>&1)"
  e0=$(es_cpu); t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" "$indexer_bin" -c "$d/indexer.yaml" 2>"$d/stderr" &
  tp=$!; pids+=("$tp")
  wait_count lp "$tp" "$t0"
  stop_timed "$tp"
  [[ $wait_status == exited* ]] && wait_status="$wait_status:$(tail -1 "$d/stderr" | tr ' ' _ | cut -c1-100)"
  record logpipe-indexer "$(echo "${t_end:-0} - $t0" | bc)" $(time_fields "$d/time") "$(echo "$(es_cpu) - $e0" | bc)" "$wait_status"
  es_delete lp
}

run_rsyslog() {  # run_rsyslog <round>
  local d=$tmp/rsyslog-$1 t0 tp e0
  mkdir -p "$d/work"
  es_delete rsys
  cat > "$d/rsyslog.conf" <<EOF
# private instance for the benchmark: imkafka -> mmjsonparse -> omelasticsearch, own work directory and pid file
global(workDirectory="$d/work" maxMessageSize="64k")
module(load="imkafka")
module(load="mmjsonparse")
module(load="omelasticsearch")
# The same ECS names the indexer writes, from the logback encoder's fields (no level lowercasing, no UTC
# conversion, no error fields, no shipper metadata: rsyslog does less per event than the indexer).
template(name="ecs" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="\$!@timestamp" format="jsonf")
  property(outname="message" name="\$!message" format="jsonf")
  property(outname="log.level" name="\$!level" format="jsonf")
  property(outname="log.logger" name="\$!logger_name" format="jsonf")
  property(outname="process.thread.name" name="\$!thread_name" format="jsonf")
  property(outname="trace.id" name="\$!traceId" format="jsonf")
  property(outname="host.name" name="\$myhostname" format="jsonf")
  property(outname="event.ingested" name="timegenerated" dateFormat="rfc3339" format="jsonf")
}
input(type="imkafka" topic="$topic" broker=["$B"] consumergroup="bench-$id-rsys-$1" ruleset="bench"
      confParam=["auto.offset.reset=earliest"])
ruleset(name="bench") {
  action(type="mmjsonparse" cookie="" useRawMsg="on")
  action(type="omelasticsearch" server="$es_host" serverport="$es_port" template="ecs"
         searchIndex="bench-$id-rsys-2026.11.18" searchType="" esVersion.major="8" bulkmode="on" maxbytes="100m"
         queue.type="LinkedList" queue.size="100000" queue.dequeueBatchSize="$BATCH" queue.workerThreads="$C"
         action.resumeRetryCount="-1" errorFile="$d/es-errors.json")
}
EOF
  /usr/sbin/rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 ||
    { record rsyslog 0 0 0 0 "config:$(grep -m1 -i error "$d/check.log" | tr ' ' _ | cut -c1-100)"; return; }
  e0=$(es_cpu); t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" /usr/sbin/rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" \
    >"$d/out.log" 2>&1 &
  tp=$!; pids+=("$tp")
  wait_count rsys "$tp" "$t0"
  stop_timed "$tp"
  [[ -s $d/es-errors.json ]] && wait_status="$wait_status:es-errors"
  record rsyslog "$(echo "${t_end:-0} - $t0" | bc)" $(time_fields "$d/time") "$(echo "$(es_cpu) - $e0" | bc)" "$wait_status"
  es_delete rsys
}

# ---------------------------------------------------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "topic $topic ($N events, $bytes bytes of lines); $R rounds; batch $BATCH; concurrency $C" >&2
: > "$tmp/results"
for ((r = 1; r <= R; r++)); do
  for tool in ideal indexer rsyslog noid; do
    [[ $tool == rsyslog && -n $rsyslog_na ]] && continue
    [[ $tool == noid && $AUTO_ID != 1 ]] && continue
    echo "round $r/$R: $tool" >&2
    t_end=""
    case $tool in
      ideal) run_ideal ideal "$tmp/bulk" "$tmp/curl.cfg" ideal ;;
      noid) run_ideal noid "$tmp/noid" "$tmp/curl-noid.cfg" ideal-autoid ;;
      indexer) run_indexer "$r" ;;
      rsyslog) run_rsyslog "$r" ;;
    esac
    tail -1 "$tmp/results" >&2
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
inflight_desc="one bulk request at a time (this build has no elasticsearch.concurrency option)"
[[ -n $inflight_key ]] && inflight_desc="elasticsearch.concurrency $C"
echo
echo "Indexer throughput — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $load_before (start) / $load_after (end)"
echo "input: $N logback JSON events ($((bytes / N)) B avg) in one Kafka topic, 3 partitions, loaded by logpipe-shipper (records carry its headers)"
echo "Elasticsearch $(curl -s "$ES/_nodes/_local?filter_path=nodes.*.version" | jq -r '.nodes[].version') at $ES, 1 node; every contender writes its own indices from the same template (1 shard, 0 replicas, refresh 1s)"
echo "  ideal loader: curl $(curl --version | head -1 | awk '{print $2}') --parallel --parallel-max $C, pre-rendered bulk bodies of $BATCH documents made by the indexer's own code (create + _id, $((bulk_bytes / N)) B/doc), no Kafka"
[[ $AUTO_ID == 1 ]] && echo "  ideal-autoid (diagnostic): the same bodies without _id (Elasticsearch assigns ids, no lookup of an existing _id per document)"
echo "  logpipe-indexer: batch.max_docs $BATCH, $inflight_desc; its defaults otherwise"
echo "  rsyslog $rsyslog_version: imkafka -> mmjsonparse -> omelasticsearch (bulkmode, index op, auto ids) with an 8-field ECS template; queue.dequeueBatchSize $BATCH, queue.workerThreads $C"
echo "seconds: start of the process to _count == N (polled every 0.25 s, includes up to ~1 s of refresh); median of $R rounds"
echo "CPU s: user+sys of the contender's process (incl. start-up); ES CPU s: of the Elasticsearch JVM during the run; RSS: peak over rounds"
echo
awk -v N="$N" -v R="$R" -v na="$rsyslog_na" "$AWK_MEDIAN"'
  $6 == "ok" { k = $1; n[k]++; w[k, n[k]] = $2; c[k, n[k]] = $3; e[k, n[k]] = $5; if ($4 > rss[k]) rss[k] = $4 }
  $6 != "ok" { bad[$1] = bad[$1] " " $6 }
  END {
    order[1] = "ideal"; order[2] = "logpipe-indexer"; order[3] = "rsyslog"; order[4] = "ideal-autoid"
    printf "%-16s %8s %8s %10s %9s %8s %9s %10s %10s  %s\n", "contender", "events", "seconds", "events/s", "vs ideal", "CPU s", "RSS MiB", "ES CPU s", "vs rsyslog", "runs"
    for (o = 1; o <= 4; o++) {
      k = order[o]
      if (n[k] == 0) continue
      for (i = 1; i <= n[k]; i++) { ww[i] = w[k, i]; cc[i] = c[k, i]; ee[i] = e[k, i] }
      mw[k] = median(ww, n[k]); mc[k] = median(cc, n[k]); me[k] = median(ee, n[k])
    }
    for (o = 1; o <= 4; o++) {
      k = order[o]
      if (k == "rsyslog" && na != "") { printf "%-16s n/a (%s)\n", k, na; continue }
      if (k == "ideal-autoid" && n[k] == 0 && bad[k] == "") continue
      if (n[k] == 0) { printf "%-16s n/a (no successful run:%s)\n", k, bad[k]; continue }
      vi = (mw["ideal"] > 0) ? sprintf("%.2fx", mw["ideal"] / mw[k]) : "-"
      vr = (mw["rsyslog"] > 0) ? sprintf("%.2fx", mw["rsyslog"] / mw[k]) : "-"
      printf "%-16s %8d %8.2f %10.0f %9s %8.2f %9.1f %10.2f %10s  %d/%d ok%s\n", k, N, mw[k], N / mw[k], vi, mc[k], rss[k] / 1024, me[k], vr, n[k], R, (bad[k] != "" ? " (failed:" bad[k] ")" : "")
    }
  }' "$tmp/results"
echo
echo "targets (issue 5): logpipe-indexer >= 0.9x the ideal loader and >= 2x rsyslog (vs rsyslog column = rsyslog seconds / contender seconds)"
echo "raw runs (contender wall_s cpu_s rss_KiB es_cpu_s status):"
sed 's/^/  /' "$tmp/results"
