#!/usr/bin/env bash
# workloads/record.sh - record a host program's heap calls into a shipped trace.
#
#   workloads/record.sh NAME [-n MAX_LINES] -- command args...
#
# Runs the command with the LD_PRELOAD recorder (build it first:
# cmake --build build/host --target hb_trace_recorder; HB_RECORDER=path/to/it.so
# picks another build), keeps the trace of the process image that made the
# most heap calls (a compiler driver's cc1, say),
# renumbers the ids densely (an id is reused once freed: smaller and better
# compressed than addresses), keeps the first MAX_LINES operations (default
# 60000; the reader frees what is still live at the end) and writes
# workloads/traces/NAME.trace.xz.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: record.sh NAME [-n MAX_LINES] -- command args...}
shift
max=60000
if [ "${1:-}" = -n ]; then max=$2; shift 2; fi
[ "${1:-}" = -- ] && shift
lib=${HB_RECORDER:-$here/../build/host/workloads/libhb_trace_recorder.so}
[ -f "$lib" ] || {
  echo "record.sh: $lib not built (cmake --build build/host --target hb_trace_recorder)" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HB_TRACE_OUT="$tmp/t" LD_PRELOAD="$lib" "$@" >/dev/null
# The busiest image: the most operation lines (comments and the blank lines
# an exec leaves at the end do not count).
shopt -s nullglob
biggest=$(for f in "$tmp"/t.*; do echo "$(grep -cE '^(alloc|free) ' "$f" || true) $f"; done | sort -n | tail -1 |
  awk '{print $2}')
[ -f "$biggest" ] || {
  echo "record.sh: no trace was written (the command made no heap call, or is not a dynamically linked glibc program)" >&2
  exit 1
}
{
  echo "# heapbench trace '$name': $(basename "$biggest" | sed 's/^t\./pid /') of: $*"
  echo "# recorded with workloads/record.sh on $(uname -m) glibc $(ldd --version | head -1 | awk '{print $NF}')"
  awk -v max="$max" '
    /^#/ { next }
    $1 == "alloc" { if (n >= max) exit; id = nspare ? spare[nspare--] : ++top; map[$2] = id; $2 = id; print; n++; next }
    $1 == "free"  { if (!($2 in map)) next; if (n >= max) exit; id = map[$2]; delete map[$2]; spare[++nspare] = id; $2 = id; print; n++ }
  ' "$biggest"
} | xz -9e >"$here/traces/$name.trace.xz"
ls -l "$here/traces/$name.trace.xz"
