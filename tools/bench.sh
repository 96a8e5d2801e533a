#!/usr/bin/env bash
# tools/bench.sh - what `make bench` runs (after tools/bootstrap.sh bench).
#
# Builds hb-bench for every target, runs it, and leaves one run folder
# results/<UTC time>/ (results/latest points at it) with, per target,
# <target>.json (every figure + environment), <target>-gbench.json (Google
# Benchmark's own output), CSV views and the summary table; for each cross
# target also the path length (exact instruction counts under QEMU with
# heapbench's plugin: <target>-pathlen.json and CSVs, docs/metrics.md); then
# prints the tables and the total time.
#
# Environment (all optional):
#   ARCHES="host x86 mips32 mips32be"   targets to run (cross ones need arch/<t>.cmake)
#   HEAPS=buddy,slab                    heaps (malloc is the host baseline row)
#   WORKLOADS=churn,fill-16-same        workloads
#   SEED=1                              run seed
#   BENCH_OUT=results/<id>              run folder
#   JOBS=2                              cross targets run this many at a time (after the host)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$(date +%s.%N)

ARCHES=${ARCHES:-"host x86 mips32 mips32be"}
ARCHES=${ARCHES//,/ }
SEED=${SEED:-1}
JOBS=${JOBS:-2}
run_id=$(date -u +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-results/$run_id}
mkdir -p "$out"

args=(--seed "$SEED" --out "$out")
[ -n "${HEAPS:-}" ] && args+=(--heap "$HEAPS")
[ -n "${WORKLOADS:-}" ] && args+=(--workload "$WORKLOADS")

nproc=$(nproc 2>/dev/null || echo 2)

# build <target>: configures (if needed) and builds hb-bench; prints the build dir.
build() {
  local t=$1 dir
  if [ "$t" = host ]; then
    dir=${BUILD:-build}/host-bench
    tools/configure.sh host "$dir" -DCMAKE_BUILD_TYPE=Release -DHB_SANITIZE=OFF >"$out/.build-$t.log" 2>&1 ||
      { echo "bench: configuring $t failed; see $out/.build-$t.log" >&2; return 1; }
  else
    dir=${BUILD:-build}/$t
    if [ ! -f "arch/$t.cmake" ]; then
      echo "bench: no toolchain file arch/$t.cmake; target $t skipped" >&2
      return 1
    fi
    # The plug-in (PLUGIN, PLUGIN_CFLAGS, PLUGIN_STRICT) reaches the build
    # through tools/configure.sh, as for make test.
    tools/configure.sh "$t" "$dir" >"$out/.build-$t.log" 2>&1 ||
      { echo "bench: configuring $t failed; see $out/.build-$t.log" >&2; return 1; }
  fi
  # Tried twice: the test flow may be building the same directory right now.
  cmake --build "$dir" -j "$nproc" --target hb-bench >>"$out/.build-$t.log" 2>&1 ||
    { sleep 5; cmake --build "$dir" -j "$nproc" --target hb-bench >>"$out/.build-$t.log" 2>&1; } || {
    echo "bench: building hb-bench for $t failed; see $out/.build-$t.log" >&2
    return 1
  }
  # The path-length plugin (host shared object; not built without qemu-plugin.h).
  [ "$t" = host ] || cmake --build "$dir" --target hb_qemu_plugin >>"$out/.build-$t.log" 2>&1 || true
  echo "$dir"
}

# runner <target> <dir>: the command that runs hb-bench there (QEMU for cross targets).
runner() {
  local t=$1 dir=$2 emu=""
  if [ "$t" != host ]; then
    emu=$(sed -n 's/^CMAKE_CROSSCOMPILING_EMULATOR:[A-Z]*=//p' "$dir/CMakeCache.txt" | tr ';' ' ')
    if [ -z "$emu" ]; then
      emu=$(sed -n 's/^set(HB_CROSS_EMULATOR \(.*\))/\1/p' "arch/$t.cmake")
    fi
  fi
  echo "$emu $dir/harness/bench/hb-bench"
}

status=0
targets=()
for t in $ARCHES; do
  echo "bench: building $t" >&2
  if dir=$(build "$t"); then targets+=("$t:$dir"); else status=1; fi
done

# Path length first (cross targets, JOBS at a time): exact counts, not
# timing, so it may share the machine; nothing else runs beside it.
tp0=$(date +%s.%N)
pl_pids=()
for td in "${targets[@]}"; do
  t=${td%%:*} dir=${td#*:}
  [ "$t" = host ] && continue
  plugin=$dir/harness/bench/libhbpath.so
  if [ ! -f "$plugin" ]; then
    echo "bench: path length skipped on $t: no plugin (qemu-plugin.h missing; run tools/qemu-plugin-header.sh)" >&2
    continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.2; done
  emu=$(runner "$t" "$dir")
  emu=${emu% *}
  # shellcheck disable=SC2086
  ( $emu -plugin "$plugin,out=$out/.pathlen-$t.bin" "$dir/harness/bench/hb-bench" --pathlen "$out/.pathlen-$t.bin" \
      "${args[@]}" >"$out/.pathlen-stdout-$t.txt" 2>"$out/.pathlen-stderr-$t.txt"; rc=$?
    rm -f "$out/.pathlen-$t.bin"; exit $rc ) &
  pl_pids+=("$!:$t")
done
for pt in "${pl_pids[@]}"; do
  wait "${pt%%:*}" || { echo "bench: path length on ${pt#*:} failed; see $out/.pathlen-stderr-${pt#*:}.txt" >&2; status=1; }
done
pl_seconds=$(awk -v a="$tp0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# The host alone first, so nothing else runs beside its timing.
pids=()
for td in "${targets[@]}"; do
  t=${td%%:*} dir=${td#*:}
  # shellcheck disable=SC2046
  if [ "$t" = host ]; then
    $(runner "$t" "$dir") "${args[@]}" >"$out/.stdout-$t.txt" || status=1
  fi
done
# Cross targets (emulator timing, labelled so) JOBS at a time.
for td in "${targets[@]}"; do
  t=${td%%:*} dir=${td#*:}
  [ "$t" = host ] && continue
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.5; done
  # shellcheck disable=SC2046
  ( $(runner "$t" "$dir") "${args[@]}" --rep-ms 5 --timeout 120 >"$out/.stdout-$t.txt" ) &
  pids+=("$!:$t")
done
for pt in "${pids[@]}"; do
  wait "${pt%%:*}" || { echo "bench: target ${pt#*:} failed" >&2; status=1; }
done

# results/latest moves only to a run in which every target succeeded; a run
# that produced nothing at all is removed, not left as an empty folder.
if ! ls "$out"/*.json >/dev/null 2>&1; then
  echo "bench: no target produced results; $out removed" >&2
  rm -rf "$out"
  exit 1
fi
[ "$status" -ne 0 ] || ln -sfn "$(basename "$out")" results/latest 2>/dev/null || true

if command -v gnuplot >/dev/null && [ -x tools/plots.sh ]; then
  tools/plots.sh "$out" || echo "bench: plots failed (results are complete)" >&2
fi

for td in "${targets[@]}"; do
  t=${td%%:*}
  [ -f "$out/.stdout-$t.txt" ] && cat "$out/.stdout-$t.txt"
  [ -f "$out/.pathlen-stdout-$t.txt" ] && cat "$out/.pathlen-stdout-$t.txt"
done
[ "${#pl_pids[@]}" -eq 0 ] || printf '\nbench: path length of %s cross targets in %s s\n' "${#pl_pids[@]}" "$pl_seconds"
if command -v python3 >/dev/null; then
  python3 tools/bench_summary.py "$out" || true
fi
t1=$(date +%s.%N)
printf '\nbench: %s targets in %.1f s (total, builds included); run folder %s\n' "${#targets[@]}" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$out"
exit $status
