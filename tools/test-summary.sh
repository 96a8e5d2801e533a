#!/usr/bin/env bash
# tools/test-summary.sh - the closing lines of `make test`.
#
#   tools/test-summary.sh BUILD TIMES TARGET...
#
# Reads BUILD/<target>/ctest-junit.xml (written by `make test-<target>`) and
# TIMES (lines "<target> <seconds>"), prints one line per target and a
# closing "total: N passed, N failed, N skipped" line; under a target with
# failures, the failed tests' names; with failures, how to replay one case.
# A target without results (configure or build failed) counts as one
# failure.  Exits 1 when anything failed.  Names the plug-in ($PLUGIN, as
# the Makefile exports it) when there is one.
set -uo pipefail

build=$1 times=$2
shift 2
tp=0 tf=0 ts=0
echo "==== heapbench: summary ===="
[ -z "${PLUGIN:-}" ] || echo "plug-in: $PLUGIN${PLUGIN_CFLAGS:+ (PLUGIN_CFLAGS: $PLUGIN_CFLAGS)}"
for t in "$@"; do
  secs=$(awk -v t="$t" '$1 == t { print $2 }' "$times" 2>/dev/null | tail -n1)
  xml=$build/$t/ctest-junit.xml
  if [ ! -s "$xml" ]; then
    printf '%-10s no test results (configure or build failed)%s\n' "$t:" "${secs:+, ${secs} s}"
    tf=$((tf + 1))
    continue
  fi
  attr() { sed -n "s/^[[:space:]]*$1=\"\([0-9]*\)\".*/\1/p" "$xml" | head -n1; }
  n=$(attr tests) f=$(attr failures) s=$(attr skipped) d=$(attr disabled)
  s=$((${s:-0} + ${d:-0}))
  p=$((${n:-0} - ${f:-0} - s))
  printf '%-10s %d passed, %d failed, %d skipped%s\n' "$t:" "$p" "${f:-0}" "$s" "${secs:+ (${secs} s)}"
  sed -n 's/^[[:space:]]*<testcase name="\([^"]*\)".*status="fail".*/    failed: \1/p' "$xml"
  tp=$((tp + p)) tf=$((tf + ${f:-0})) ts=$((ts + s))
done
echo "total: $tp passed, $tf failed, $ts skipped"
if [ "$tf" -ne 0 ]; then
  echo "replay one case: $build/host/conformance/hb_conformance --heap NAME --case GROUP.CASE --seed N" \
    "(cross targets: under qemu-i386, qemu-mipsel, qemu-mips; docs/plugging-in.md)"
fi
[ "$tf" -eq 0 ]
