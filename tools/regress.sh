#!/usr/bin/env bash
# tools/regress.sh - what `make regress` and `make baseline` run.
#
#   tools/regress.sh check    re-measure the deterministic figures, compare them
#                             with the baseline (tools/gate.py), exit 1 on a regression
#   tools/regress.sh write    re-measure them and rewrite the baseline, printing what changed
#
# The quick mode: only the figures that are identical from run to run, so
# one run is enough and no repetition or quiet machine is needed:
#   host           fragmentation and metadata (hb-bench --no-speed), exact
#                  (stats after every operation), 64-bit layout;
#   x86, mips32    path length under QEMU with the counting plugin (hb-bench
#                  --no-speed --no-quality): exact instruction counts of a
#                  32-bit little-endian CISC and RISC target.
# mips32be repeats mips32's instruction stream byte-swapped, so it is left
# out; no timing is measured (it needs repetitions on a quiet machine: make
# bench and make compare).  All targets run at once, JOBS at a time; each
# takes about 30 s of one core (about 1 minute in all on 2 cores, builds
# excluded).  The build trees are those of `make test` (BUILD/<target>), so
# in CI after `make test` nothing is built again.
#
# Every figure lands in results/regress/ (the last quick run, replaced each
# time) and its deterministic figures are appended to the history
# (tools/history.py, results/history/).
#
# Environment:
#   REGRESS_ARCHES="host x86 mips32"  targets (host: fragmentation; cross: path length)
#   HEAPS, WORKLOADS      narrow the run (the baseline's other lines are not judged)
#   PLUGIN ...            a plug-in heap (docs/plugging-in.md); its baseline is
#                         results/baseline/plugin-<name of the first PLUGIN path>/
#   BASELINE=dir          the baseline folder (default results/baseline, or the plug-in's)
#   REGRESS_FLAGS="--threshold pathlen.alloc.p99=0.05"  more options of tools/gate.py check
#   BUILD=build JOBS=2 SEED=1
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-check}
case $mode in
check | write) ;;
*)
  echo "usage: tools/regress.sh check|write" >&2
  exit 2
  ;;
esac
t0=$SECONDS
ARCHES=${REGRESS_ARCHES:?"set REGRESS_ARCHES (make regress passes its default list)"}
ARCHES=${ARCHES//,/ }
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
SEED=${SEED:-1}
plugin_name() {
  local first=${PLUGIN//,/ }
  first=${first%% *}
  first=${first%/}
  first=$(basename "$first")
  echo "plugin-${first%.c}"
}
if [ -z "${BASELINE:-}" ]; then
  if [ -n "${PLUGIN:-}" ]; then BASELINE=results/baseline/$(plugin_name); else BASELINE=results/baseline; fi
fi
out=results/regress
HB_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || HB_COMMIT=$HB_COMMIT-dirty
export HB_COMMIT

args=(--seed "$SEED" --no-speed --out "$out")
[ -n "${HEAPS:-}" ] && args+=(--heap "$HEAPS")
[ -n "${WORKLOADS:-}" ] && args+=(--workload "$WORKLOADS")

rm -rf "$out"
mkdir -p "$out"
on_interrupt() {
  trap - INT TERM
  local pids
  pids=$(jobs -p)
  # shellcheck disable=SC2086 # one pid per word
  [ -z "$pids" ] || kill $pids 2>/dev/null || true
  wait 2>/dev/null || true
  echo "regress: interrupted; nothing compared" >&2
  exit 130
}
trap on_interrupt INT TERM

for t in $ARCHES; do
  tools/configure.sh "$t" "$BUILD/$t" >"$out/.build-$t.log" 2>&1 ||
    { echo "regress: configuring $t failed; see $out/.build-$t.log" >&2; exit 1; }
  targets=(--target hb-bench)
  [ "$t" = host ] || targets+=(--target hb_qemu_plugin)
  echo "regress: building hb-bench for $t ($BUILD/$t)" >&2
  cmake --build "$BUILD/$t" -j "$JOBS" "${targets[@]}" >>"$out/.build-$t.log" 2>&1 ||
    { echo "regress: building $t failed; see $out/.build-$t.log" >&2; exit 1; }
done

# measure <target>: one quick hb-bench run (exec: stopping the job stops it).
measure() {
  local t=$1 runner=(sh "$BUILD/$1/harness/bench/run-hb-bench")
  if [ "$t" = host ]; then
    exec "${runner[@]}" "${args[@]}" >"$out/.stdout-$t.txt" 2>&1
  else
    exec "${runner[@]}" --with-pathlen "$out/.pathlen-$t.bin" "${args[@]}" --no-quality --timeout 120 \
      >"$out/.stdout-$t.txt" 2>&1
  fi
}
pids=()
for t in $ARCHES; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.5; done
  echo "regress: measuring $t" >&2
  measure "$t" &
  pids+=("$!:$t")
done
failed=()
for pt in "${pids[@]}"; do
  wait "${pt%%:*}" || failed+=("${pt#*:}")
done
rm -f "$out"/.pathlen-*.bin
for t in "${failed[@]}"; do
  echo "regress: hb-bench on $t did not complete; its output ($out/.stdout-$t.txt) ends:" >&2
  tail -n 15 "$out/.stdout-$t.txt" >&2
done
echo "regress: measured ${ARCHES// /, } in $((SECONDS - t0)) s (builds included); figures in $out" >&2

python3 tools/history.py append results/history "$out" || echo "regress: the history was not appended (above)" >&2
if [ "$mode" = write ]; then
  [ "${#failed[@]}" -eq 0 ] || { echo "regress: not writing the baseline from an incomplete run" >&2; exit 1; }
  exec python3 tools/gate.py write "$BASELINE" "$out"
fi
sel=(--targets "$ARCHES")
[ -n "${HEAPS:-}" ] && sel+=(--heaps "$HEAPS")
[ -n "${WORKLOADS:-}" ] && sel+=(--workloads "$WORKLOADS")
# shellcheck disable=SC2086 # REGRESS_FLAGS is a list of options
python3 tools/gate.py check "$BASELINE" "$out" "${sel[@]}" ${REGRESS_FLAGS:-} || exit $?
[ "${#failed[@]}" -eq 0 ] || exit 1
