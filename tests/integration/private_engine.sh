#!/usr/bin/env bash
# ctest fixtures for search engines the integration tests start themselves (deploy/stack.sh, engine only),
# each with its own stack dir next to this checkout's default one and its own ports:
#   opensearch  OpenSearch 2, plain HTTP, port $LOGPIPE_TEST_OPENSEARCH_PORT (29210), transport +100
#   secure-es   Elasticsearch with TLS on HTTP and a file-realm user (LOGPIPE_ES_SECURITY=on),
#               port $LOGPIPE_TEST_SECURE_ES_PORT (29211), transport +100
# usage: private_engine.sh up|down|dir|url NAME
# Only tests use these engines, so `down` always stops the one named (a developer's stack is never touched:
# the stack dir and ports differ). Data survives between runs (tests use unique index names).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
stack="$repo/deploy/stack.sh"
cmd="${1:-}" name="${2:-}"

# The default stack dir of this checkout, whatever LOGPIPE_STACK_DIR the caller exported (it may name a
# shared stack, which must not receive our engines).
base=$(env -u LOGPIPE_STACK_DIR "$stack" dir)
unset LOGPIPE_SEARCH_ENGINE LOGPIPE_ES_SECURITY
export LOGPIPE_STACK_DIR="$base-$name"
export LOGPIPE_ES_HEAP="${LOGPIPE_TEST_ENGINE_HEAP:-512m}"
case "$name" in
  opensearch)
    port="${LOGPIPE_TEST_OPENSEARCH_PORT:-29210}"
    export LOGPIPE_SEARCH_ENGINE=opensearch
    url="http://127.0.0.1:$port" ;;
  secure-es)
    port="${LOGPIPE_TEST_SECURE_ES_PORT:-29211}"
    export LOGPIPE_ES_SECURITY=on
    url="https://localhost:$port" ;;
  *) echo "usage: $0 up|down|dir|url opensearch|secure-es" >&2; exit 2 ;;
esac
export LOGPIPE_ES_PORT="$port" LOGPIPE_ES_TRANSPORT_PORT=$(( port + 100 ))

case "$cmd" in
  up)   "$stack" up es ;;
  down) "$stack" down es ;;
  dir)  echo "$LOGPIPE_STACK_DIR" ;;
  url)  echo "$url" ;;
  *) echo "usage: $0 up|down|dir|url opensearch|secure-es" >&2; exit 2 ;;
esac
