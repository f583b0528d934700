# bench/lib.sh — what the benchmark scripts share: error exit, checks that the tools and the stack are there,
# stopping the processes a run started, CPU time of the stack's engines, Kafka topic totals.
# Sourced (not run) by bench/*.sh after they set `bench_name` (the prefix of their error messages).
# Also: the Kafka topics a run created, deleted at its exit (delete_made_topics).

die() { echo "$bench_name: $*" >&2; exit 1; }

need_tools() {  # need_tools <command>...: each must be on PATH
  local t
  for t in "$@"; do command -v "$t" >/dev/null || die "$t not found (apt-get install $t)"; done
}
need_gnu_time() { [[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"; }
need_kafka() { kcat -b "$1" -L -m 10 >/dev/null 2>&1 || die "no Kafka broker at $1 (deploy/stack.sh up)"; }
need_es() { curl -sf "$1/_cluster/health" >/dev/null || die "no Elasticsearch or OpenSearch at $1 (deploy/stack.sh up)"; }

# stop_pids <pid>...: SIGTERM each one's children first (the tool under /usr/bin/time), then the pid itself,
# then wait for all of them. Empty arguments (slots cleared by a script) are skipped.
stop_pids() {
  local p
  for p in "$@"; do
    [[ -n $p ]] || continue
    pkill -TERM -P "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "$@"; do
    [[ -n $p ]] || continue
    wait "$p" 2>/dev/null || true
  done
}

# remove_dir <dir>: rm -rf, retried for a few seconds while a stopped process may still be writing into it.
remove_dir() {
  local i
  for i in 1 2 3 4 5; do rm -rf "$1" 2>/dev/null && return 0; sleep 1; done
}

# proc_cpu <pid file>: user+sys seconds of that process so far; empty if the file or process is unknown
# (an engine not started by deploy/stack.sh).
proc_cpu() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat" 2>/dev/null || true
}

# topic_total <broker> <topic>: the sum of the end offsets of partitions 0..2; empty if the query failed.
topic_total() {
  kcat -Q -b "$1" -t "$2:0:-1" -t "$2:1:-1" -t "$2:2:-1" 2>/dev/null | awk '/offset/ {s += $NF; n++} END {if (n == 3) print s}'
}

# Topics this run created (make_warm_topic adds to it; scripts that create topics otherwise add them too).
# A 1M-line run leaves up to ~100 MB per topic on the broker, and the benches run again and again against the
# same local stack: the scripts delete their topics at exit.
made_topics=()

# delete_made_topics <broker> <logpipe_bench_topics binary>: deletes made_topics with librdkafka's admin API
# (bench/bench_topics.cc; kcat cannot delete). Never fails the run: a missing binary or a failed delete is said
# on stderr, with the topic names. BENCH_KEEP_TOPICS=1 keeps them (to look at the records afterwards).
delete_made_topics() {
  local b=$1 bin=$2
  ((${#made_topics[@]})) || return 0
  if [[ ${BENCH_KEEP_TOPICS:-0} == 1 ]]; then
    echo "$bench_name: topics kept (BENCH_KEEP_TOPICS=1): ${made_topics[*]}" >&2
  elif [[ ! -x $bin ]]; then
    echo "$bench_name: topics not deleted, no $bin (cmake --build <build> --target logpipe_bench_topics): ${made_topics[*]}" >&2
  elif ! "$bin" "$b" delete "${made_topics[@]}" >/dev/null 2>&1; then
    echo "$bench_name: could not delete topics ${made_topics[*]}" >&2
  fi
  made_topics=()
}

# make_warm_topic <broker> <topic> [kcat args...]: one warm-up record auto-creates the topic (the broker's
# num.partitions, which must be 3); waits until its 3 partitions hold that record. Callers exclude it from counts.
# The topic joins made_topics.
make_warm_topic() {
  local b=$1 t=$2 i err
  shift 2
  made_topics+=("$t")
  err=$(echo warmup | kcat -P -b "$b" -t "$t" "$@" 2>&1 >/dev/null) || die "warm-up produce to $t failed: $err"
  for i in $(seq 50); do [[ $(topic_total "$b" "$t") == 1 ]] && return 0; sleep 0.1; done
  die "topic $t did not show 3 partitions with the warm-up record (num.partitions must be 3)"
}

# put_index_template <es url> <name> <template file>: PUT the composable template; on an engine without the
# match_only_text type, the file is rewritten as the indexer does (indexer/elasticsearch/index_template.h:
# text without norms) and PUT again. Returns non-zero if the engine refused it both times.
put_index_template() {
  local put=(curl -sf -XPUT "$1/_index_template/$2" -H 'Content-Type: application/json' --data-binary @"$3")
  "${put[@]}" >/dev/null && return 0
  sed -i 's/"match_only_text"/"text", "norms": false/g' "$3"
  "${put[@]}" >/dev/null
}

# An awk function median(a, n): the median of a[1..n] (sorts a in place). Put it in front of an awk program:
#   awk "$AWK_MEDIAN"' { ... median(x, k) ... }'
AWK_MEDIAN='
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
'
