#!/usr/bin/env bash
# TCP input throughput: 8 concurrent senders on loopback -> logpipe-shipper's TCP input -> Kafka, side by side
# with rsyslog imtcp -> omkafka on the same input and the same broker, plus the load generator alone into a
# discarding sink (its ceiling: it must be far above both) and `kcat -P -l` producing the same lines from a
# file with the same producer settings (no TCP, no WAL, no key or headers: what this broker and machine take
# from one librdkafka producer, the ceiling for both receivers), and kcat producing the shipper's records for
# those lines (key and headers; the ceiling for any receiver that writes them). Prints one table (medians of R rounds, receivers
# alternated per round): events/s, CPU seconds per million events and peak RSS of the receiving process.
# Numbers are for people to read, never asserted: the machines are shared.
#
#   bench/tcp_throughput.sh
#   BENCH_EVENTS=500000 BENCH_RUNS=5 BENCH_CONNECTIONS=8 BENCH_BROKER=127.0.0.1:9092 bench/tcp_throughput.sh
#
# Environment:
#   BENCH_EVENTS       events in total, split evenly over the connections (default 1000000, ~300 bytes each)
#   BENCH_CONNECTIONS  concurrent sender connections (default 8)
#   BENCH_RUNS         rounds; each round runs every receiver once (default 3)
#   BENCH_BROKER       Kafka bootstrap server (default 127.0.0.1:9092); auto.create.topics.enable must be true
#   BENCH_TIMEOUT      seconds one run may take before it is abandoned (default 600)
#   BENCH_TOOLS        receivers per round besides the sink, in order (default "kcat kcat-record shipper rsyslog")
#   BENCH_WAL_SYNC_INTERVAL  diagnostic: the shipper's wal.sync_interval (and sync_bytes 1GiB), to see how
#                      much of its time goes to fsync (default: the shipper's defaults, 200ms / 4MiB)
#   LOGPIPE_BUILD_DIR  where logpipe-shipper and bench/tcp_loadgen were built (default <repo>/build)
#
# The load generator (bench/tcp_loadgen, C++) generates every line before it connects, then each connection
# writes its share in 256 KiB writes and half-closes. Each run produces to a fresh topic
# bench-tcp-<receiver>-<id>-<round> (3 partitions, auto-created by one uncounted warm-up record from kcat).
# A run is complete when the topic's end offsets sum to N+1; it is timed from the first connection to then.
# Every run's topic is checked to hold exactly N+1 records; the run's topics are deleted on exit
# (logpipe_bench_topics; BENCH_KEEP_TOPICS=1 keeps them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_EVENTS:-1000000}
C=${BENCH_CONNECTIONS:-8}
R=${BENCH_RUNS:-3}
B=${BENCH_BROKER:-127.0.0.1:9092}
TIMEOUT=${BENCH_TIMEOUT:-600}
TOOLS=${BENCH_TOOLS:-kcat kcat-record shipper rsyslog}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
shipper_bin=$build/shipper/logpipe-shipper
loadgen=$build/bench/tcp_loadgen/tcp_loadgen
runid=$(date +%s)-$$

bench_name=tcp_throughput
source "$repo/bench/lib.sh"
[[ -x $loadgen ]] || die "no $loadgen; build first: cmake --build $build --target tcp_loadgen logpipe-shipper"
need_tools kcat curl bc
need_gnu_time
need_kafka "$B"

tmp=$(mktemp -d /tmp/logpipe-bench-tcp.XXXXXX)
pids=()
cleanup() {
  stop_pids "${pids[@]}"
  delete_made_topics "$B" "$build/bench/logpipe_bench_topics"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# rsyslog + omkafka: installed here when missing (root only); the row is "n/a (reason)" when that fails.
rsyslog_na=""
if ! [[ -x /usr/sbin/rsyslogd && -n $(find /usr/lib -name omkafka.so 2>/dev/null | head -1) ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "installing rsyslog rsyslog-kafka ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rsyslog rsyslog-kafka >"$tmp/apt.log" 2>&1 ||
      rsyslog_na="apt-get install rsyslog rsyslog-kafka failed: $(tail -1 "$tmp/apt.log")"
  else
    rsyslog_na="rsyslog-kafka not installed and not root"
  fi
fi
[[ -n $rsyslog_na || -x /usr/sbin/rsyslogd ]] || rsyslog_na="no /usr/sbin/rsyslogd"
[[ " $TOOLS " == *" rsyslog "* ]] || rsyslog_na="not run (BENCH_TOOLS)"
rsyslog_version=$([[ -x /usr/sbin/rsyslogd ]] && /usr/sbin/rsyslogd -v 2>/dev/null | head -1 | awk '{print $2}' | tr -d ',' || echo "-")

KCAT_PROPS=(-X compression.codec=zstd -X linger.ms=20 -X enable.idempotence=true -X acks=all)
now() { date +%s.%N; }
make_topic() { make_warm_topic "$B" "$1" "${KCAT_PROPS[@]}"; }  # one warm-up record, excluded from all counts
record() { echo "$1 $2 $3 $4 $5" >> "$tmp/results"; }  # receiver wall cpu rss_kib status
time_fields() { tail -1 "$1" | awk '{printf "%.2f %d", $2 + $3, $4}'; }
stop_timed() {  # SIGTERM the tool under /usr/bin/time $1 and wait for both
  pkill -TERM -P "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  pids=("${pids[@]/$1}")
}
wait_port() {  # wait_port <file> <pid>: a port number written by the receiver
  local i
  for i in $(seq 200); do
    [[ -s $1 ]] && grep -qE '^[0-9]+' "$1" && { head -1 "$1" | grep -oE '^[0-9]+'; return 0; }
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# drive <label> <topic> <time pid> <port>: sends the input, waits for the topic to hold it, records the run.
drive() {
  local label=$1 topic=$2 tp=$3 port=$4 t0 t1 total=0 last=-1 since
  t0=$(now)
  "$loadgen" send 127.0.0.1 "$port" --events "$N" --connections "$C" >"$tmp/loadgen.out" 2>"$tmp/loadgen.err" &
  local lg=$!
  pids+=("$lg")
  since=$t0
  while :; do
    total=$(topic_total "$B" "$topic"); total=${total:-0}
    [[ $total -ge $((N + 1)) ]] && break
    if [[ $total != "$last" ]]; then last=$total; since=$(now)
    elif (( $(echo "$(now) - $since > 30" | bc) )); then
      kill "$lg" 2>/dev/null || true; wait "$lg" 2>/dev/null || true
      stop_timed "$tp"; record "$label" 0 0 0 "stalled:records=$((total - 1))"; return
    fi
    if ! kill -0 "$tp" 2>/dev/null; then
      kill "$lg" 2>/dev/null || true; wait "$lg" 2>/dev/null || true
      record "$label" 0 0 0 "exited"; return
    fi
    if (( $(echo "$(now) - $t0 > $TIMEOUT" | bc) )); then
      kill "$lg" 2>/dev/null || true; wait "$lg" 2>/dev/null || true
      stop_timed "$tp"; record "$label" 0 0 0 "timeout:records=$((total - 1))"; return
    fi
    sleep 0.1
  done
  t1=$(now)
  wait "$lg" || true
  pids=("${pids[@]/$lg}")
  stop_timed "$tp"
  record "$label" "$(echo "$t1 - $t0" | bc)" $(time_fields "$tmp/time") ok
}

run_kcat() {  # run_kcat <topic>: the same lines from a file, timed from start to exit (kcat waits for delivery)
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" kcat -P -b "$B" -t "$1" "${KCAT_PROPS[@]}" -l "$tmp/lines" 2>"$tmp/kcat.err" ||
    { record kcat-file 0 0 0 "failed:$(tail -1 "$tmp/kcat.err" | tr ' ' _ | cut -c1-100)"; return; }
  t1=$(now)
  record kcat-file "$(echo "$t1 - $t0" | bc)" $(time_fields "$tmp/time") ok
}

# kcat-record: kcat producing the records the shipper writes for these lines instead of bare lines: the same
# key and the five headers of a TCP record (packed lp.v, lp.peer.ip, lp.peer.port, lp.read_us, lp.offset),
# with the lengths of the shipper's (static: kcat's -H is), round-robin over 8 connection keys, and the
# shipper's compression level. No TCP and no WAL: what one librdkafka producer does with these records when
# the input costs nothing, the ceiling for any receiver that writes them. Its distance to kcat-file is the
# cost of the metadata in the records.
run_kcat_record() {  # run_kcat_record <topic>
  local t0 t1
  if [[ ! -s $tmp/keyed-lines ]]; then
    awk '{printf "bench|tcp:347215099b227064e4e006c0b5c4aed9|127.0.0.1:%d\t%s\n", 35650 + NR % 8, $0}' "$tmp/lines" > "$tmp/keyed-lines"
  fi
  local hdr=(-H "lp.v=2"$'\t'"tcp"$'\t'"json"$'\t'"bench"$'\t'"bench"$'\t'"tcp:347215099b227064e4e006c0b5c4aed9"$'\t'
             -H "lp.peer.ip=127.0.0.1" -H "lp.peer.port=35656" -H "lp.read_us=1795507913026762" -H "lp.offset=123456")
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" kcat -P -b "$B" -t "$1" "${KCAT_PROPS[@]}" -X compression.level=1 \
    -X partitioner=murmur2_random -K $'\t' "${hdr[@]}" -l "$tmp/keyed-lines" 2>"$tmp/kcat.err" ||
    { record kcat-record 0 0 0 "failed:$(tail -1 "$tmp/kcat.err" | tr ' ' _ | cut -c1-100)"; return; }
  t1=$(now)
  record kcat-record "$(echo "$t1 - $t0" | bc)" $(time_fields "$tmp/time") ok
}

run_sink() {  # the generator alone: loadgen -> discarding sink, timed by the generator itself
  rm -f "$tmp/sink.port"
  "$loadgen" sink --port-file "$tmp/sink.port" & local sp=$!
  pids+=("$sp")
  local port; port=$(wait_port "$tmp/sink.port" "$sp") || die "sink did not start"
  local out; out=$(/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$loadgen" send 127.0.0.1 "$port" --events "$N" --connections "$C")
  echo "$out" > "$tmp/loadgen.out"
  kill "$sp" 2>/dev/null || true; wait "$sp" 2>/dev/null || true
  pids=("${pids[@]/$sp}")
  # CPU and RSS here are the generator's own (it is the measured process).
  record loadgen-sink "$(echo "$out" | awk '{print $3}')" $(time_fields "$tmp/time") ok
}

run_rsyslog() {  # run_rsyslog <topic>
  local topic=$1 d=$tmp/rsyslog-$RANDOM tp port
  mkdir -p "$d/work"
  cat > "$d/rsyslog.conf" <<CONF
# private instance for the benchmark: imtcp on an ephemeral loopback port -> omkafka, own work dir and pid file
global(workDirectory="$d/work" maxMessageSize="64k")
module(load="imtcp")
module(load="omkafka")
template(name="raw" type="string" string="%rawmsg%")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$d/port" ruleset="bench"
      supportOctetCountedFraming="off")
ruleset(name="bench") {
  action(type="omkafka" broker=["$B"] topic="$topic" template="raw" partitions.auto="on" resubmitOnFailure="on"
         confParam=["compression.codec=zstd", "linger.ms=20", "enable.idempotence=true", "acks=all"])
}
CONF
  /usr/sbin/rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 ||
    { record rsyslog 0 0 0 "config:$(grep -m1 -i error "$d/check.log" | tr ' ' _ | cut -c1-120)"; return; }
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" /usr/sbin/rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" \
    >"$d/out.log" 2>&1 &
  tp=$!; pids+=("$tp")
  port=$(wait_port "$d/port" "$tp") || { stop_timed "$tp"; record rsyslog 0 0 0 "no-port:$(tail -1 "$d/out.log" | tr ' ' _ | cut -c1-100)"; return; }
  drive rsyslog "$topic" "$tp" "$port"
}

run_shipper() {  # run_shipper <topic>
  local topic=$1 d=$tmp/shipper-$RANDOM tp port="" i
  [[ -x $shipper_bin ]] || { record logpipe-shipper 0 0 0 "n/a:no_$shipper_bin"; return; }
  mkdir -p "$d"
  cat > "$d/shipper.yaml" <<CONF
host: bench
kafka:
  brokers: $B
  topic: $topic
tcp:
  - listen: 127.0.0.1:0
    service: bench
wal:
  dir: $d/wal${BENCH_WAL_SYNC_INTERVAL:+
  sync_interval: $BENCH_WAL_SYNC_INTERVAL
  sync_bytes: 1GiB}
state:
  checkpoint_file: $d/checkpoint.json
status_listen: 127.0.0.1:0
CONF
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$shipper_bin" -c "$d/shipper.yaml" 2>"$d/stderr" &
  tp=$!; pids+=("$tp")
  for i in $(seq 200); do
    port=$(grep -o '"message":"tcp: listening".*"port":[0-9]*' "$d/stderr" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    kill -0 "$tp" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $port ]] || { stop_timed "$tp"; record logpipe-shipper 0 0 0 "no-port:$(tail -1 "$d/stderr" | tr ' ' _ | cut -c1-100)"; return; }
  drive logpipe-shipper "$topic" "$tp" "$port"
}

check_topic() {
  local total; total=$(topic_total "$B" "$1")
  if [[ $(tail -1 "$tmp/results" | awk '{print $5}') == ok && $total != $((N + 1)) ]]; then
    sed -i '$ s/ ok$/ count:'"$(( ${total:-1} - 1 ))"'/' "$tmp/results"
  fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "events: $N over $C connections; broker $B; $R rounds; topics bench-tcp-<receiver>-$runid-<round>" >&2
: > "$tmp/results"
"$loadgen" dump --events "$N" >"$tmp/lines" || die "tcp_loadgen dump failed"
for ((r = 1; r <= R; r++)); do
  run_sink; tail -1 "$tmp/results" >&2
  for tool in $TOOLS; do
    [[ $tool == rsyslog && -n $rsyslog_na ]] && continue
    topic=bench-tcp-$tool-$runid-$r
    make_topic "$topic"
    echo "round $r/$R: $tool -> $topic" >&2
    case $tool in
      kcat) run_kcat "$topic" ;;
      kcat-record) run_kcat_record "$topic" ;;
      shipper) run_shipper "$topic" ;;
      rsyslog) run_rsyslog "$topic" ;;
    esac
    check_topic "$topic"
    tail -1 "$tmp/results" >&2
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
bytes=$(awk '{print $2}' "$tmp/loadgen.out" 2>/dev/null || echo 0)

echo
echo "TCP input throughput — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $load_before (start) / $load_after (end)"
echo "input: $N events over $C concurrent connections on loopback, ${bytes:-?} bytes (logstash-logback-encoder-style JSON lines, bench/tcp_loadgen); broker $B (1 node, 3 partitions)"
echo "all: librdkafka $(dpkg-query -W -f '${Version}' librdkafka1 2>/dev/null || echo '?'), compression.codec=zstd linger.ms=20 enable.idempotence=true acks=all"
echo "  logpipe-shipper: TCP input (json_lines) with its defaults${BENCH_WAL_SYNC_INTERVAL:+ except wal.sync_interval=$BENCH_WAL_SYNC_INTERVAL sync_bytes=1GiB}, WAL on local disk; records carry a key and headers"
echo "  kcat-file: kcat -P -l <the same lines in a file> -X <the four above>, value only (no TCP, no key, no headers); seconds = its process start to exit"
echo "  kcat-record: kcat -P -K -H -l, the shipper's records for the same lines (key and five headers, lengths as the shipper's) with its compression.level=1 and partitioner; no TCP, no WAL: the ceiling for these records"
echo "  rsyslog ${rsyslog_version}: imtcp (LF framing) -> omkafka template %rawmsg%, partitions.auto=on, resubmitOnFailure=on; default queues"
echo "seconds: wall, first connection to the topic holding all N events (end offsets polled every ~0.1 s); loadgen-sink: the generator's own time"
echo "CPU s/M events: user+sys of the receiving process (incl. start and shutdown) per million events, median; RSS: max over runs"
echo
awk -v N="$N" -v R="$R" -v na="$rsyslog_na" "$AWK_MEDIAN"'
  $5 == "ok" { k = $1; n[k]++; w[k, n[k]] = $2; c[k, n[k]] = $3; if ($4 > rss[k]) rss[k] = $4 }
  $5 != "ok" { bad[$1] = bad[$1] " " $5 }
  END {
    order[1] = "loadgen-sink"; order[2] = "kcat-file"; order[3] = "kcat-record"; order[4] = "logpipe-shipper"; order[5] = "rsyslog"
    printf "%-16s %9s %8s %10s %14s %9s %12s  %s\n", "receiver", "events", "seconds", "events/s", "CPU s/M events", "RSS MiB", "vs rsyslog", "runs"
    if (n["rsyslog"] > 0) { for (i = 1; i <= n["rsyslog"]; i++) rw[i] = w["rsyslog", i]; rs = median(rw, n["rsyslog"]) }
    for (o = 1; o <= 5; o++) {
      k = order[o]
      if (k == "rsyslog" && na != "") { printf "%-16s n/a (%s)\n", k, na; continue }
      if (n[k] == 0) { if (bad[k] == "") printf "%-16s n/a (not run)\n", k; else printf "%-16s n/a (no successful run:%s)\n", k, bad[k]; continue }
      for (i = 1; i <= n[k]; i++) { ww[i] = w[k, i]; cc[i] = c[k, i] }
      mw = median(ww, n[k]); mc = median(cc, n[k])
      ratio = (rs > 0 && k != "loadgen-sink") ? sprintf("%.2fx", rs / mw) : "-"
      printf "%-16s %9d %8.2f %10.0f %14.2f %9.1f %12s  %d/%d ok%s\n", k, N, mw, N / mw, mc / (N / 1e6), rss[k] / 1024, ratio, n[k], R, (bad[k] != "" ? " (failed:" bad[k] ")" : "")
    }
  }' "$tmp/results"
echo "raw runs (receiver wall_s cpu_s rss_KiB status):"
sed 's/^/  /' "$tmp/results"
