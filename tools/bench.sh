#!/usr/bin/env bash
# tools/bench.sh - what `make bench` runs (after tools/bootstrap.sh bench).
#
# Configures (tools/configure.sh) and builds hb-bench for every target, runs
# it (the host alone first, so nothing runs beside its timing; then the
# cross targets JOBS at a time, under QEMU with the path-length plugin), has
# tools/plots.sh draw the plots, and prints the tables and the closing
# summary.  Everything lands in one run folder, results/<UTC time>/, which
# holds an INCOMPLETE file (saying why) until the run is complete: every
# target ran, no heap x workload failed, the plots are drawn.  Only then do
# results/latest and plots/ move to it, and its deterministic figures join
# the history (tools/history.py, results/history/: make trend).  An
# interrupted run kills its children, removes its temporary files and
# leaves INCOMPLETE saying so.
# Exit status: 0 complete, 1 otherwise (130 when interrupted).
#
# Environment:
#   ARCHES="host mips32"   targets to run (the Makefile passes its default list)
#   HEAPS=buddy,slab       heaps (malloc, the speed baseline, always runs)
#   WORKLOADS=churn        workloads (promises are then "not judged: partial run")
#   SEED=1                 run seed
#   BENCH_OUT=results/<id> run folder
#   BUILD=build            build trees: BUILD/host-bench (no sanitizers), BUILD/<cross target>
#   JOBS=2                 cross targets run this many at a time
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$SECONDS

ARCHES=${ARCHES:?"set ARCHES (make bench passes its default list)"}
ARCHES=${ARCHES//,/ }
SEED=${SEED:-1}
JOBS=${JOBS:-2}
BUILD=${BUILD:-build}
run_id=$(date -u +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-results/$run_id}
mkdir -p "$out"
echo "the run is in progress" >"$out/INCOMPLETE"

args=(--seed "$SEED" --out "$out")
[ -n "${HEAPS:-}" ] && args+=(--heap "$HEAPS")
[ -n "${WORKLOADS:-}" ] && args+=(--workload "$WORKLOADS")

# An interrupt: stop every child, remove temporary files, say so.
on_interrupt() {
  trap - INT TERM
  local pids
  pids=$(jobs -p)
  [ -z "$pids" ] || kill $pids 2>/dev/null || true
  wait 2>/dev/null || true
  find "$out" \( -name '*.tmp*' -o -name '.pathlen-*.bin' \) -delete 2>/dev/null || true
  rm -rf results/.plots-incoming.$$
  echo "interrupted at $(date -u +%H:%M:%S) UTC; the figures here are partial" >"$out/INCOMPLETE"
  echo "bench: interrupted; $out is marked INCOMPLETE, results/latest and plots/ unchanged" >&2
  exit 130
}
trap on_interrupt INT TERM

# build <target>: configures when needed, builds hb-bench (and the plugin),
# showing progress at most every 5 s; prints the build dir.
build() {
  local t=$1 dir log=$out/.build-$1.log last=$SECONDS
  # tools/configure.sh states the plug-in (PLUGIN, ...) on every call and
  # does nothing when the build tree already has these settings.
  if [ "$t" = host ]; then
    dir=$BUILD/host-bench
    tools/configure.sh host "$dir" -DHB_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1
  else
    dir=$BUILD/$t
    tools/configure.sh "$t" "$dir" >"$log" 2>&1
  fi || { echo "bench: configuring $t failed; see $log" >&2; return 1; }
  local targets=(--target hb-bench) pid pct
  [ "$t" = host ] || targets+=(--target hb_qemu_plugin)
  cmake --build "$dir" -j "$JOBS" "${targets[@]}" >>"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - last)) -ge 5 ]; then # display only: the last "[ nn%]" make printed
      pct=$(grep -o '^\[ *[0-9]*%\]' "$log" | tail -n 1 || true)
      echo "bench: building $t ${pct:-...} ($((SECONDS - t0)) s)" >&2
      last=$SECONDS
    fi
  done
  wait "$pid" || { echo "bench: building hb-bench for $t failed; see $log" >&2; return 1; }
  echo "$dir"
}

status=0
failed=()
targets=()
for t in $ARCHES; do
  echo "bench: building $t" >&2
  if dir=$(build "$t"); then targets+=("$t:$dir"); else failed+=("$t (build)"); fi
done

# run <target> <dir> &: hb-bench there (exec: the background job is
# hb-bench itself, so stopping the job stops it, and its children die with
# it); its table to .stdout-<target>.txt.
run() {
  local t=$1 dir=$2 runner=(sh "$2/harness/bench/run-hb-bench")
  if [ "$t" = host ]; then
    exec "${runner[@]}" "${args[@]}" >"$out/.stdout-$t.txt"
  elif [ -f "$dir/harness/bench/libhbpath.so" ]; then
    exec "${runner[@]}" --with-pathlen "$out/.pathlen-$t.bin" "${args[@]}" --rep-ms 5 --timeout 120 \
      >"$out/.stdout-$t.txt"
  else
    echo "bench: no path length on $t: the plugin is not built (run tools/qemu-plugin-header.sh)" >&2
    exec "${runner[@]}" "${args[@]}" --rep-ms 5 --timeout 120 >"$out/.stdout-$t.txt"
  fi
}

# The host alone (a background job waited for: an interrupt is handled at once).
for td in "${targets[@]}"; do
  [ "${td%%:*}" = host ] || continue
  run host "${td#*:}" &
  wait $! || failed+=(host)
done
pids=()
for td in "${targets[@]}"; do
  t=${td%%:*}
  [ "$t" = host ] && continue
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.5; done
  run "$t" "${td#*:}" &
  pids+=("$!:$t")
done
for pt in "${pids[@]}"; do
  wait "${pt%%:*}" || failed+=("${pt#*:}")
done
rm -f "$out"/.pathlen-*.bin

if command -v gnuplot >/dev/null; then
  echo "bench: drawing the plots" >&2
  tools/plots.sh "$out" || failed+=(plots)
else
  failed+=("plots (gnuplot missing)")
fi

for td in "${targets[@]}"; do
  [ -f "$out/.stdout-${td%%:*}.txt" ] && cat "$out/.stdout-${td%%:*}.txt"
done
printf '\n== summary of %s ==\n' "$out"
for td in "${targets[@]}"; do
  [ -f "$out/${td%%:*}-summary.txt" ] && cat "$out/${td%%:*}-summary.txt"
done

# plots/ becomes exactly this run's charts: staged beside results/, then the
# old charts go and the new ones move in (plots/README.md stays).
replace_plots() {
  local stage=results/.plots-incoming.$$
  rm -rf "$stage"
  mkdir -p "$stage" plots
  find "$out/plots" -maxdepth 1 -name '*.png' -exec cp {} "$stage"/ \;
  find plots -maxdepth 1 -name '*.png' -delete
  find "$stage" -maxdepth 1 -name '*.png' -exec mv {} plots/ \;
  rmdir "$stage"
}

# report.md: a heading and the state of the run, then each target's part
# (hb-bench wrote <target>-report.md: its table, charts and files).
write_report() {
  {
    printf '# heapbench run %s\n\n' "$(basename "$out")"
    if [ "${#failed[@]}" -eq 0 ]; then
      printf 'Complete: targets %s' "${ARCHES}"
    else
      printf '**NOT complete** (%s): targets %s' "${failed[*]}" "${ARCHES}"
    fi
    printf '; heaps %s; workloads %s; seed %s.\n\n' "${HEAPS:-all}" "${WORKLOADS:-all}" "$SEED"
    for td in "${targets[@]}"; do
      if [ -f "$out/${td%%:*}-report.md" ]; then cat "$out/${td%%:*}-report.md"; fi
    done
  } >"$out/.report.md.tmp" && mv "$out/.report.md.tmp" "$out/report.md"
}

write_report
if [ "${#failed[@]}" -eq 0 ]; then
  rm -f "$out/INCOMPLETE"
  ln -sfn "$(basename "$out")" results/.latest.tmp && mv -T results/.latest.tmp results/latest
  replace_plots
  python3 tools/history.py append results/history "$out" || echo "bench: the history was not appended (above)" >&2
  printf '\nbench: complete: %s targets in %d s (builds included); results/latest -> %s\n' "${#targets[@]}" \
    $((SECONDS - t0)) "$out"
else
  status=1
  echo "not complete: ${failed[*]}" >"$out/INCOMPLETE"
  printf '\nbench: NOT complete (%s) in %d s; %s is marked INCOMPLETE; results/latest and plots/ unchanged\n' \
    "${failed[*]}" $((SECONDS - t0)) "$out"
fi
echo "bench: report: $out/report.md"
exit $status
