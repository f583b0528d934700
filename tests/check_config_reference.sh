#!/usr/bin/env bash
# Fails (with a diff) when a program's CONFIG.md differs from what `--print-config-reference` prints.
# To refresh: <binary> --print-config-reference > <program>/CONFIG.md
set -euo pipefail
binary="$1" reference="$2"
diff -u "$reference" <("$binary" --print-config-reference) \
  || { echo "$reference is out of date: regenerate it with $(basename "$binary") --print-config-reference" >&2; exit 1; }
