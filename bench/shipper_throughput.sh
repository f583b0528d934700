#!/usr/bin/env bash
# Shipper throughput: logpipe-shipper vs `kcat -P -l` (the practical ceiling), vs kcat producing the
# shipper's own records (kcat-record: its ceiling with the metadata they carry) and vs rsyslog imfile -> omkafka,
# on the same generated input and the same Kafka broker, in one run. Prints one table (medians of R runs,
# tools alternated per round). Numbers are for people to read, never asserted: the machines are shared.
#
#   bench/shipper_throughput.sh
#   BENCH_LINES=300000 BENCH_RUNS=5 BENCH_BROKER=127.0.0.1:9092 bench/shipper_throughput.sh
#
# Environment:
#   BENCH_LINES    lines in the input file (default 1000000, ~200 bytes each)
#   BENCH_RUNS     rounds; each round runs every tool once (default 3)
#   BENCH_BROKER   Kafka bootstrap server (default 127.0.0.1:9092); auto.create.topics.enable must be true
#   BENCH_TIMEOUT  seconds one run may take before it is abandoned (default 600)
#   BENCH_RSS_FILES  files for the shipper RSS measurement (default 100; 0 = skip), BENCH_RSS_LINES lines each
#                  (default 10000)
#   LOGPIPE_BUILD_DIR  where logpipe-shipper was built (default <repo>/build)
#   BENCH_TOOLS    which contenders to run, in round order (default "kcat kcat-record shipper rsyslog")
#   BENCH_SHIPPER_EXTRA  top-level YAML appended to the shipper's config, for A/B runs (e.g. "memory_budget: 20MiB")
#   BENCH_SHIPPER_PROPS  librdkafka properties for the shipper's kafka.properties, "k=v,k=v" (e.g. "linger.ms=5")
#
# Each run produces to a fresh topic bench-<tool>-<id>-<round>, created by one warm-up record from kcat (3
# partitions from the broker's num.partitions); the warm-up record is not counted. Completion: shipper =
# logpipe_shipper_lines_acked_total reaches N on its /metrics; kcat = the process exits (it waits for delivery);
# rsyslog = the topic's end offsets sum to N+1. Every run's topic is checked to hold exactly N+1 records.
# The generated input is cached in /tmp/logpipe-bench/; everything else lives in a temp dir removed on exit,
# and the run's topics are deleted on exit (logpipe_bench_topics; BENCH_KEEP_TOPICS=1 keeps them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_LINES:-1000000}
R=${BENCH_RUNS:-3}
B=${BENCH_BROKER:-127.0.0.1:9092}
SHIPPER_EXTRA=${BENCH_SHIPPER_EXTRA:-}
SHIPPER_PROPS=${BENCH_SHIPPER_PROPS:-}
TOOLS=${BENCH_TOOLS:-kcat kcat-record shipper rsyslog}
stack=${LOGPIPE_STACK_DIR:-$repo/build/stack}
TIMEOUT=${BENCH_TIMEOUT:-600}
RSS_FILES=${BENCH_RSS_FILES:-100}
RSS_LINES=${BENCH_RSS_LINES:-10000}
build=${LOGPIPE_BUILD_DIR:-$repo/build}
shipper_bin=$build/shipper/logpipe-shipper
cache=/tmp/logpipe-bench
runid=$(date +%s)-$$

bench_name=shipper_throughput
source "$repo/bench/lib.sh"
[[ -x $shipper_bin ]] || die "no $shipper_bin; build first: LOGPIPE_BUILD_DIR=$build scripts/build.sh"
need_tools kcat curl bc
need_gnu_time
need_kafka "$B"

tmp=$(mktemp -d /tmp/logpipe-bench-run.XXXXXX)
pids=()
cleanup() {
  stop_pids "${pids[@]}"
  delete_made_topics "$B" "$build/bench/logpipe_bench_topics"
  remove_dir "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# Input: N logback-style lines, ~200 bytes, deterministic (own MINSTD generator, so any awk gives the same bytes).
gen_lines() {  # gen_lines <count> <seed> > file
  awk -v n="$1" -v seed="$2" '
    function rnd(m) { s = (s * 48271) % 2147483647; return s % m }
    BEGIN {
      s = seed
      split("INFO INFO INFO INFO INFO INFO DEBUG DEBUG WARN ERROR", lv, " ")
      split("http-nio-8080-exec-1 http-nio-8080-exec-7 http-nio-8080-exec-12 scheduling-1 kafka-consumer-3 main ForkJoinPool.commonPool-worker-2 task-4", th, " ")
      split("c.e.checkout.OrderService c.e.checkout.CartController c.e.payments.PaymentGateway o.s.web.servlet.DispatcherServlet c.e.inventory.StockClient c.e.auth.TokenFilter o.h.engine.jdbc.spi.SqlExceptionHelper c.e.shipping.RateCalculator", lg, " ")
      split("Order placed|Payment authorized|Cache miss for product|Completed request|Retrying call to stock service|Token validated|Slow query detected|Shipping rate computed|Cart updated|Inventory reserved", ms, "|")
      split("EUR USD GBP CHF SEK", cu, " ")
      split("GET POST PUT DELETE", me, " ")
      split("/api/orders /api/cart/items /api/payments/authorize /api/stock/reserve /api/shipping/rates /api/users/me", pa, " ")
      hex = "0123456789abcdef"
      t = 1795000000  # 2026-11-18, seconds; advances a few ms per line
      ms_ = 0
      for (i = 1; i <= n; i++) {
        ms_ += rnd(40); if (ms_ >= 1000) { t += int(ms_ / 1000); ms_ %= 1000 }
        sec = t % 86400; d = 18 + int((t - 1795000000) / 86400)
        trace = ""; for (k = 0; k < 16; k++) trace = trace substr(hex, rnd(16) + 1, 1)
        line = sprintf("2026-11-%02d %02d:%02d:%02d.%03d %-5s [%s] %s - %s user=u-%05d %s %s status=%d amount=%d.%02d %s trace=%s took=%dms",
          d, int(sec / 3600), int(sec % 3600 / 60), sec % 60, ms_, lv[rnd(10) + 1], th[rnd(8) + 1], lg[rnd(8) + 1],
          ms[rnd(10) + 1], rnd(100000), me[rnd(4) + 1], pa[rnd(6) + 1],
          (rnd(20) == 0 ? 500 : 200), rnd(5000), rnd(100), cu[rnd(5) + 1], trace,
          rnd(2000))
        pad = 188 - length(line) + rnd(25) - 12
        if (pad > 0) { tail = " region=eu-west-1 pod=checkout-7d9f8b6c4-x2k9p node=ip-10-0-42-17"; line = line substr(tail, 1, pad) }
        print line
      }
    }'
}
mkdir -p "$cache"
input=$cache/input-$N-v1.log
if [[ ! -s $input ]]; then
  echo "generating $input ..." >&2
  gen_lines "$N" 42 > "$input.tmp" && mv "$input.tmp" "$input"
fi
bytes=$(stat -c %s "$input")
[[ $(wc -l < "$input") -eq $N ]] || die "$input does not have $N lines; delete it"

# ---------------------------------------------------------------------------------------------------------------
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

# ---------------------------------------------------------------------------------------------------------------
KCAT_PROPS=(-X compression.codec=zstd -X linger.ms=20 -X enable.idempotence=true -X acks=all)
RSYSLOG_CONF='compression.codec=zstd,linger.ms=20,enable.idempotence=true,acks=all'

now() { date +%s.%N; }
broker_cpu() { proc_cpu "$stack/kafka/kafka.pid"; }  # the Kafka JVM's CPU s so far (empty: not our stack's)
make_topic() { make_warm_topic "$B" "$1" "${KCAT_PROPS[@]}"; }  # one warm-up record, excluded from all counts
# result line per run: tool wall cpu rss_kib status [broker_cpu: appended by the round loop]
record() { echo "$1 $2 $3 $4 $5" >> "$tmp/results"; }
time_fields() {  # /usr/bin/time -f '%e %U %S %M' output -> "cpu rss_kib"
  tail -1 "$1" | awk '{printf "%.2f %d", $2 + $3, $4}'
}
stop_timed() {  # stop_timed <time pid>: SIGTERM the tool under /usr/bin/time and wait for both
  pkill -TERM -P "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  pids=("${pids[@]/$1}")
}

run_kcat() {  # run_kcat <topic>
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" kcat -P -b "$B" -t "$1" "${KCAT_PROPS[@]}" -l "$input" 2>"$tmp/kcat.err" ||
    { record kcat 0 0 0 "failed:$(tail -1 "$tmp/kcat.err" | tr ' ' _)"; return; }
  t1=$(now)
  record kcat "$(echo "$t1 - $t0" | bc)" $(time_fields "$tmp/time") ok
}

# kcat-record: kcat producing the shipper's records instead of bare lines. Each line gets a key and the two
# headers of record format 2 with the same lengths as the shipper's for this file (key host|dev:inode:fingerprint;
# lp.v with the real host, service, file id and path; lp.line with a 9-digit offset and a read time, static
# because kcat's -H is), from the shipper's default producer settings (compression.level=1 and the queue and
# batch limits its 10 MiB budget sets; see shipper/pipeline.cc). It is what one librdkafka producer does with
# these records when reading costs nothing: the shipper's own overhead is its distance to this row, and the
# cost of the metadata the records carry is this row's distance to kcat.
KCAT_RECORD_PROPS=(-X compression.level=1 -X batch.num.messages=2048 -X queue.buffering.max.kbytes=10240
  -X queue.buffering.max.messages=14979)
keyed_input=""
make_keyed_input() {
  local host dev ino fid
  host=$(hostname); read -r dev ino < <(stat -c '%d %i' "$input"); fid="$dev:$ino:8eeb89133b41246b"
  keyed_input=$tmp/keyed-input.log
  awk -v k="$host|$fid" '{print k "\t" $0}' "$input" > "$keyed_input"
  record_headers=(-H "lp.v=2"$'\t'"file"$'\t'"plain"$'\t'"$host"$'\t'"bench"$'\t'"$fid"$'\t'"$input"
                  -H "lp.line=123456789"$'\t'"1795507427683846")
}
run_kcat_record() {  # run_kcat_record <topic>
  local t0 t1
  [[ -n $keyed_input ]] || make_keyed_input
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" kcat -P -b "$B" -t "$1" "${KCAT_PROPS[@]}" "${KCAT_RECORD_PROPS[@]}" \
    -K $'\t' "${record_headers[@]}" -l "$keyed_input" 2>"$tmp/kcat.err" ||
    { record kcat-record 0 0 0 "failed:$(tail -1 "$tmp/kcat.err" | tr ' ' _)"; return; }
  t1=$(now)
  record kcat-record "$(echo "$t1 - $t0" | bc)" $(time_fields "$tmp/time") ok
}

run_shipper() {  # run_shipper <topic> <input glob> <expected lines> [label]
  local topic=$1 paths=$2 expect=$3 label=${4:-logpipe-shipper} d=$tmp/shipper-$RANDOM t0 t1 tp port="" acked=0
  mkdir -p "$d"
  cat > "$d/shipper.yaml" <<EOF
kafka:
  brokers: $B
  topic: $topic
$(if [[ -n $SHIPPER_PROPS ]]; then echo "  properties:"; tr ',' '\n' <<<"$SHIPPER_PROPS" | sed 's/^\([^=]*\)=\(.*\)$/    "\1": "\2"/'; fi)
inputs:
  - paths: "$paths"
    service: bench
state:
  checkpoint_file: $d/checkpoint.json
status_listen: 127.0.0.1:0
EOF
  if [[ -n $SHIPPER_EXTRA ]]; then printf '%s\n' "$SHIPPER_EXTRA" >> "$d/shipper.yaml"; fi
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" "$shipper_bin" -c "$d/shipper.yaml" 2>"$d/stderr" &
  tp=$!; pids+=("$tp")
  while :; do
    if [[ -z $port ]]; then
      port=$(grep -o '"serving /metrics and /health".*"port":[0-9]*' "$d/stderr" 2>/dev/null | grep -o '[0-9]*$' || true)
    else
      acked=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^logpipe_shipper_lines_acked_total/ {s += $2} END {printf "%d", s}')
      [[ $acked -ge $expect ]] && break
    fi
    if ! kill -0 "$tp" 2>/dev/null; then
      record "$label" 0 0 0 "exited:$(tail -1 "$d/stderr" | tr ' ' _ | cut -c1-120)"; return
    fi
    if (( $(echo "$(now) - $t0 > $TIMEOUT" | bc) )); then
      stop_timed "$tp"; record "$label" 0 0 0 "timeout:acked=$acked"; return
    fi
    sleep 0.05
  done
  t1=$(now)
  stop_timed "$tp"
  record "$label" "$(echo "$t1 - $t0" | bc)" $(time_fields "$d/time") ok
}

run_rsyslog() {  # run_rsyslog <topic>
  local topic=$1 d=$tmp/rsyslog-$RANDOM t0 t1 tp total=0 last=-1 since
  mkdir -p "$d/work"
  cat > "$d/rsyslog.conf" <<EOF
# private instance for the benchmark: only imfile and omkafka, own work directory and pid file
global(workDirectory="$d/work")
module(load="imfile" mode="inotify")
module(load="omkafka")
template(name="line" type="string" string="%msg%")
input(type="imfile" file="$input" tag="bench" ruleset="bench" readMode="0")
ruleset(name="bench") {
  action(type="omkafka" broker=["$B"] topic="$topic" template="line" partitions.auto="on" resubmitOnFailure="on"
         confParam=["compression.codec=zstd", "linger.ms=20", "enable.idempotence=true", "acks=all"])
}
EOF
  /usr/sbin/rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 ||
    { record rsyslog 0 0 0 "config:$(grep -m1 -i error "$d/check.log" | tr ' ' _ | cut -c1-120)"; return; }
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" /usr/sbin/rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" \
    >"$d/out.log" 2>&1 &
  tp=$!; pids+=("$tp")
  while :; do
    total=$(topic_total "$B" "$topic"); total=${total:-0}
    [[ $total -ge $((N + 1)) ]] && break
    # no progress for 30 s: rsyslog gave up on some lines (omkafka drops on "Queue full" unless resubmitting)
    if [[ $total != "$last" ]]; then last=$total; since=$(now)
    elif (( $(echo "$(now) - $since > 30" | bc) )); then
      stop_timed "$tp"
      record rsyslog 0 0 0 "stalled:records=$((total - 1)),$(grep -c 'Queue full' "$d/out.log")_queue-full_errors"; return
    fi
    if ! kill -0 "$tp" 2>/dev/null; then
      record rsyslog 0 0 0 "exited:$(tail -1 "$d/out.log" | tr ' ' _ | cut -c1-120)"; return
    fi
    if (( $(echo "$(now) - $t0 > $TIMEOUT" | bc) )); then
      stop_timed "$tp"; record rsyslog 0 0 0 "timeout:records=$((total - 1))"; return
    fi
    sleep 0.1
  done
  t1=$(now)
  stop_timed "$tp"
  record rsyslog "$(echo "$t1 - $t0" | bc)" $(time_fields "$d/time") ok
}

check_topic() {  # the last recorded run must have put exactly N records (+ warm-up) into its topic
  local total; total=$(topic_total "$B" "$1")
  if [[ $total != $((N + 1)) ]]; then
    sed -i '$ s/ ok\( [0-9.]*\)\?$/ count:'"$(( ${total:-1} - 1 ))"'\1/' "$tmp/results"
  fi
}

# ---------------------------------------------------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "input: $input ($N lines, $bytes bytes); broker $B; $R rounds; topics bench-<tool>-$runid-<round>" >&2
: > "$tmp/results"
for ((r = 1; r <= R; r++)); do
  for tool in $TOOLS; do
    topic=bench-$tool-$runid-$r
    if [[ $tool == rsyslog && -n $rsyslog_na ]]; then continue; fi
    make_topic "$topic"
    echo "round $r/$R: $tool -> $topic" >&2
    b0=$(broker_cpu)
    case $tool in
      kcat) run_kcat "$topic" ;;
      kcat-record) run_kcat_record "$topic" ;;
      shipper) run_shipper "$topic" "$input" "$N" ;;
      rsyslog) run_rsyslog "$topic" ;;
    esac
    b1=$(broker_cpu)
    if [[ -n $b0 && -n $b1 ]]; then sed -i '$ s/$/ '"$(echo "$b1 - $b0" | bc)"'/' "$tmp/results"; fi
    check_topic "$topic"
    tail -1 "$tmp/results" >&2
  done
done

# Shipper memory while tailing many files (issue 3 wants <= 30 MiB at 100 files).
rss_line=""
if ((RSS_FILES > 0)); then
  mkdir -p "$cache/files-$RSS_FILES-$RSS_LINES-v1"
  for ((i = 0; i < RSS_FILES; i++)); do
    f=$cache/files-$RSS_FILES-$RSS_LINES-v1/app-$i.log
    [[ -s $f ]] || gen_lines "$RSS_LINES" $((1000 + i)) > "$f"
  done
  topic=bench-rss-$runid
  make_topic "$topic"
  echo "shipper RSS: $RSS_FILES files x $RSS_LINES lines -> $topic" >&2
  run_shipper "$topic" "$cache/files-$RSS_FILES-$RSS_LINES-v1/app-*.log" $((RSS_FILES * RSS_LINES)) shipper-rss
  tail -1 "$tmp/results" >&2
  rss_line=$(tail -1 "$tmp/results")
  sed -i '$d' "$tmp/results"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
echo
echo "Shipper throughput — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $load_before (start) / $load_after (end)"
echo "input: $N lines, $bytes bytes (avg $((bytes / N)) B/line), generated logback-style text; broker $B (1 node, topics with 3 partitions)"
echo "all three: librdkafka $(dpkg-query -W -f '${Version}' librdkafka1 2>/dev/null || echo '?'), compression.codec=zstd linger.ms=20 enable.idempotence=true acks=all"
echo "  logpipe-shipper: its defaults (those four + compression.level=1 message.timeout.ms=300000, queue limits and batch.num.messages=2048 from memory_budget=10MiB); one input, service bench, status_listen 127.0.0.1:0; records carry a key + 2 headers (record format 2: lp.v = version, source, format, host, service, file id, path; lp.line = offset, read time)"
if [[ -n $SHIPPER_EXTRA$SHIPPER_PROPS ]]; then echo "  logpipe-shipper OVERRIDES for this run: ${SHIPPER_EXTRA:+config [$SHIPPER_EXTRA] }${SHIPPER_PROPS:+kafka.properties [$SHIPPER_PROPS]}"; fi
echo "  kcat -P -l <file> -X <the four above> (kcat $(dpkg-query -W -f '${Version}' kcat 2>/dev/null || echo '?')); value only, no key, no headers"
echo "  kcat-record: kcat -P -K -H with the shipper's records (the same key and two headers, lengths as the shipper's) and its producer settings (${KCAT_RECORD_PROPS[*]}): the shipper's ceiling for its own records"
echo "  rsyslog ${rsyslog_version}: imfile (inotify, readMode 0) -> omkafka template %msg%, partitions.auto=on, resubmitOnFailure=on, confParam=[the four above]; default queues"
echo "seconds: wall, start of the process to the last line acknowledged (shipper: lines_acked_total on /metrics, polled every 50 ms; rsyslog: topic end offsets, polled every ~0.1 s + query time; kcat: process exit); median of $R rounds, tools alternated per round"
echo "CPU s/GiB: user+sys of the whole process (incl. start and shutdown), median; broker CPU s/GiB: of the Kafka JVM over the same run, median (- when its pid is unknown); peak RSS: max over runs"
echo
awk -v N="$N" -v bytes="$bytes" -v R="$R" -v na="$rsyslog_na" "$AWK_MEDIAN"'
  $5 == "ok" { k = $1; n[k]++; w[k, n[k]] = $2; c[k, n[k]] = $3; if ($4 > rss[k]) rss[k] = $4; if (NF >= 6) { nb[k]++; b[k, nb[k]] = $6 } }
  $5 != "ok" { bad[$1] = bad[$1] " " $5 }
  END {
    order[1] = "kcat"; order[2] = "kcat-record"; order[3] = "logpipe-shipper"; order[4] = "rsyslog"
    printf "%-16s %9s %7s %8s %10s %7s %10s %10s %9s %12s %12s  %s\n", "tool", "lines", "MiB", "seconds", "lines/s", "MiB/s", "CPU s/GiB", "broker/GiB", "RSS MiB", "thr vs kcat", "vs kcat-rec", "runs"
    mib = bytes / 1048576; gib = bytes / 1073741824
    for (o = 1; o <= 4; o++) {
      k = order[o]
      if (k == "rsyslog" && na != "") { printf "%-16s n/a (%s)\n", k, na; continue }
      if (n[k] == 0) { if (bad[k] == "") printf "%-16s n/a (not run)\n", k; else printf "%-16s n/a (no successful run:%s)\n", k, bad[k]; continue }
      for (i = 1; i <= n[k]; i++) { ww[i] = w[k, i]; cc[i] = c[k, i] }
      mw = median(ww, n[k]); mc = median(cc, n[k])
      for (i = 1; i <= nb[k]; i++) bb[i] = b[k, i]
      mb = (nb[k] > 0) ? sprintf("%.1f", median(bb, nb[k]) / gib) : "-"
      if (k == "kcat") kw = mw
      if (k == "kcat-record") rw = mw
      ratio = (kw > 0) ? sprintf("%.2fx", kw / mw) : "-"
      rratio = (rw > 0) ? sprintf("%.2fx", rw / mw) : "-"
      printf "%-16s %9d %7.1f %8.2f %10.0f %7.1f %10.1f %10s %9.1f %12s %12s  %d/%d ok%s\n", k, N, mib, mw, N / mw, mib / mw, mc / gib, mb, rss[k] / 1024, ratio, rratio, n[k], R, (bad[k] != "" ? " (failed:" bad[k] ")" : "")
    }
  }' "$tmp/results"
if [[ -n $rss_line ]]; then
  read -r _ w c rss st <<<"$rss_line"
  echo
  if [[ $st == ok ]]; then
    printf 'shipper tailing %d files x %d lines: peak RSS %.1f MiB (issue 3 target <= 30 MiB), %.2f s, %.2f CPU s\n' \
      "$RSS_FILES" "$RSS_LINES" "$(echo "$rss / 1024" | bc -l)" "$w" "$c"
  else
    echo "shipper tailing $RSS_FILES files: failed ($st)"
  fi
fi
echo "raw runs (tool wall_s cpu_s rss_KiB status broker_cpu_s):"
sed 's/^/  /' "$tmp/results"
