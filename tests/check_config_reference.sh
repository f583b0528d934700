#!/usr/bin/env bash
# Fails (with a diff) when a program's CONFIG.md differs from what `--print-config-reference` prints.
# CONFIG.md = a 4-line header + the generated table. To refresh: see the header of the file.
set -euo pipefail
binary="$1" reference="$2"
diff -u <(tail -n +5 "$reference") <("$binary" --print-config-reference) \
  || { echo "$reference is out of date: regenerate it with $(basename "$binary") --print-config-reference" >&2; exit 1; }
