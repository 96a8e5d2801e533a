#!/usr/bin/env bash
# tools/fuzz.sh - what `make fuzz` runs (after tools/bootstrap.sh fuzz).
#
# Builds the libFuzzer target hb_fuzz with clang (ASan + UBSan, coverage on
# the heaps) in $BUILD/fuzz, then fuzzes each heap for a bounded time,
# starting from the committed corpus (conformance/fuzz/corpus).  New inputs
# that gain coverage stay in $BUILD/fuzz/work/<heap>; an input that breaks
# a heap (a shadow-model disagreement, a sanitizer report, a hang or an
# out-of-memory) is kept as a regression case in
# conformance/fuzz/regressions/<heap>/, which CTest replays on every target.
#
# Environment (all optional):
#   HEAPS=tlsf,debug:slab   heaps to fuzz one after the other (any name
#                           hb_find_heap knows, broken test heaps too); empty:
#                           one run in which each input's first byte picks
#                           the registered heap (regressions/any/)
#   FUZZ_SECONDS=60         seconds per heap
#   FUZZ_JOBS=1             heaps fuzzed at a time
#   FUZZ_KEEP_GOING=1       go on after a breaking input (libFuzzer's fork
#                           mode), keeping each one: for a heap with a known bug
#   BUILD=build             build folder
#   PLUGIN, PLUGIN_CFLAGS, PLUGIN_STRICT: a plug-in heap, as for make test
# Exit status: 0 when no heap broke, 1 when one did (its inputs are kept).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${FUZZ_SECONDS:-60}
case $secs in
'' | *[!0-9]*)
  echo "fuzz: SECONDS='$secs' is not a whole number of seconds" >&2
  exit 2
  ;;
esac
build=${BUILD:-build}/fuzz
heaps=${HEAPS:-}
heaps=${heaps//,/ }
jobs=${FUZZ_JOBS:-1}

tools/configure.sh host "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHB_LIBFUZZER=ON \
  >"${BUILD:-build}/fuzz-configure.log" 2>&1 || {
  echo "fuzz: configuring $build failed; see ${BUILD:-build}/fuzz-configure.log" >&2
  exit 1
}
cmake --build "$build" -j 2 --target hb_fuzz
fuzzer=$build/conformance/fuzz/hb_fuzz
corpus=conformance/fuzz/corpus

# fuzz_one HEAP: one bounded run; exit 0 when nothing broke.
fuzz_one() {
  local heap=$1 dir work found regress rc opts
  dir=${heap//:/-} # a folder name for the heap: debug:tlsf -> debug-tlsf
  work=$build/work/$dir
  found=$build/found/$dir # breaking inputs land here first, then move to the regressions
  regress=conformance/fuzz/regressions/$dir
  rm -rf "$found"
  mkdir -p "$work" "$found"
  echo "==== fuzz: heap $heap for $secs s (new inputs in $work, log $build/$dir.log) ===="
  # A slow input is not a bug on a shared machine: only one that takes a
  # minute counts as a hang.
  opts=(-max_total_time="$secs" -timeout=60 -report_slow_units=60 -print_final_stats=1 -artifact_prefix="$found/")
  [ -n "${FUZZ_KEEP_GOING:-}" ] && opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  if [ "$heap" = any ]; then unset HB_FUZZ_HEAP; else export HB_FUZZ_HEAP=$heap; fi
  rc=0
  "$fuzzer" "${opts[@]}" "$work" "$corpus" >"$build/$dir.log" 2>&1 || rc=$?
  rm -f "$found"/slow-unit-*
  if [ -n "$(ls -A "$found")" ]; then
    mkdir -p "$regress"
    mv "$found"/* "$regress"/
    [ "$rc" -ne 0 ] || rc=1
  fi
  grep -E '^#[0-9]+:?[[:space:]]+(INITED|DONE)|hb_fuzz:|ERROR|SUMMARY|stat::|INFO: exiting' "$build/$dir.log" | sed "s/^/[$heap] /" || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: heap $heap broke (exit $rc); the inputs are kept in $regress/"
    return 1
  fi
}

# Up to FUZZ_JOBS heaps at a time (the build above is shared).
broke=()
declare -A pids=()
for heap in ${heaps:-any}; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$heap" &
  pids[$heap]=$!
done
for heap in "${!pids[@]}"; do
  wait "${pids[$heap]}" || broke+=("$heap")
done
if [ "${#broke[@]}" -gt 0 ]; then
  echo "make fuzz: inputs that break ${broke[*]} were kept as regression cases; replay one with" \
    "build/host/conformance/fuzz/hb_fuzz_replay --heap NAME FILE (HB_FUZZ_TRACE=1 lists its operations)" >&2
  exit 1
fi
echo "make fuzz: no heap broke"
