#!/usr/bin/env bash
# The shared library exports exactly the functions include/ogas.h declares
# (OGAS_API), and nothing else: no internal name a host program could
# collide with.
#
# usage: exports_test.sh LIBOGAS.so OGAS_H
set -euo pipefail
lib=$1
header=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtDdBbRrVvWw]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
declared=$( (grep -oE 'OGAS_API [^(]*\bogas_[a-z_]+\(' "$header" || true) | grep -oE 'ogas_[a-z_]+\($' | tr -d '(' | sort -u || true)
if [ -z "$declared" ]; then
  echo "no OGAS_API function declarations in $header" >&2
  exit 1
fi
if [ "$exported" != "$declared" ]; then
  echo "exports differ from the functions of ogas.h:" >&2
  diff <(echo "$declared") <(echo "$exported") >&2 || true
  echo "($(echo "$exported" | wc -l) exported, $(echo "$declared" | wc -l) declared)" >&2
  exit 1
fi
echo "exports test: $(echo "$exported" | wc -l) symbols, all declared in ogas.h"
