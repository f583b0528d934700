#!/usr/bin/env bash
# Re-records tests/data/tcp/: runs every real sender (tests/senders/build.sh) against capture.py and saves
# the exact bytes each one wrote. Only needed when a sender, its version or its configuration changes; the
# recorded files are committed and are what the indexer's unit tests read.
#
#   tests/senders/capture_all.sh [OUT_DIR]      (default tests/data/tcp)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dest=${1:-$repo/tests/data/tcp}
bin=$("$here/build.sh")/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"

# capture <file> <sender> <args...>: the sender's host:port argument is inserted first.
capture() {
  local file=$1 sender=$2; shift 2
  python3 "$here/capture.py" "$tmp/$file" >"$tmp/port" &
  local cp=$! i
  for i in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.05; done
  [[ -s $tmp/port ]] || { echo "capture.py did not start" >&2; exit 1; }
  # Run from a neutral directory so paths written by senders (python-logstash's @source_path) are short.
  (cd "$tmp" && "$bin/$sender" "127.0.0.1:$(cat "$tmp/port")" "$@") >"$tmp/$file.log" 2>&1 ||
    { cat "$tmp/$file.log" >&2; echo "$sender $* failed" >&2; exit 1; }
  wait "$cp" || { echo "capture for $file failed" >&2; exit 1; }
  mv "$tmp/$file" "$dest/$file"
  rm -f "$tmp/port"
  echo "$file: $(wc -c <"$dest/$file") bytes" >&2
}

capture logback-default.jsonl logback-sender default
capture logback-offset-micros.jsonl logback-sender offset-micros
capture logback-epoch-number.jsonl logback-sender epoch-number
capture logback-epoch-string.jsonl logback-sender epoch-string
capture logback-nested-ecs.jsonl logback-sender nested-ecs
capture log4j2-ecs.jsonl log4j2-sender EcsLayout.json
capture log4j2-ecs-nul.bin log4j2-sender EcsLayout.json nul
capture log4j2-jsonlayout.jsonl log4j2-sender JsonLayout.json
capture log4j2-gelf.jsonl log4j2-sender GelfLayout.json
capture log4j2-logstash-v1.jsonl log4j2-sender LogstashJsonEventLayoutV1.json
capture python-logstash-v0.jsonl python-logstash-sender 0
capture python-logstash-v1.jsonl python-logstash-sender 1
