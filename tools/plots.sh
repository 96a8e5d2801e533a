#!/usr/bin/env bash
# tools/plots.sh RUN_DIR - gnuplot charts of a bench run, from its CSV views,
# into RUN_DIR/plots/ and copied to plots/ (git-ignored PNGs; see plots/README.md).
#   growth-<target>.png   ns per alloc and per free against the live-set size (growth-*)
#   extfrag-<target>.png  external fragmentation over the churn workload, per heap
#   pathlen-alloc-<target>.png, pathlen-free-<target>.png  path length (median, max)
#                         against the live-set size (growth-*), per heap
set -euo pipefail
run=${1:?usage: plots.sh RUN_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$run/plots" "$root/plots"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for speed in "$run"/*-speed.csv; do
  [ -f "$speed" ] || continue
  t=$(basename "$speed" -speed.csv)
  timing=$(awk -F, 'NR == 2 { print $2 }' "$speed")
  # growth: one data block per heap: live-set size, ns/alloc, ns/free
  awk -F, 'NR > 1 && $5 ~ /^growth-/ && $3 != "(empty)" { n = substr($5, 8); print $3, n, $6, $7 }' "$speed" |
    sort -k1,1 -k2,2n >"$tmp/g"
  heaps=$(awk '{ print $1 }' "$tmp/g" | uniq)
  if [ -n "$heaps" ]; then
    plot=""
    c=0
    for h in $heaps; do # one colour per heap: alloc solid, free dashed
      c=$((c + 1))
      awk -v h="$h" '$1 == h { print $2, $3, $4 }' "$tmp/g" >"$tmp/g-$h"
      plot="$plot '$tmp/g-$h' using 1:2 with linespoints lc $c title '$h alloc', '$tmp/g-$h' using 1:3 with linespoints lc $c dt 2 title '$h free',"
    done
    gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output '$run/plots/growth-$t.png'
set title 'ns per op against live-set size (growth workloads), target $t, $timing timing'
set logscale x
set xlabel 'live allocations'
set ylabel 'ns per op (overhead subtracted)'
set key outside right
plot ${plot%,}
GP
  fi
  q="$run/$t-extfrag.csv"
  if [ -f "$q" ] && grep -q ',churn,' "$q"; then
    plot=""
    for h in $(awk -F, 'NR > 1 && $3 == "churn" { print $2 }' "$q" | uniq); do
      awk -F, -v h="$h" 'NR > 1 && $2 == h && $3 == "churn" { print $4, $5 }' "$q" >"$tmp/f-$h"
      plot="$plot '$tmp/f-$h' using 1:2 with lines title '$h',"
    done
    gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output '$run/plots/extfrag-$t.png'
set title 'external fragmentation (1 - largest free / total free) over the churn workload, target $t'
set xlabel 'operation'
set ylabel 'external fragmentation'
set yrange [0:1]
set key outside right
plot ${plot%,}
GP
  fi
done
# path length against the live-set size: median and max instructions per alloc
# and per free on the growth workloads, per heap (log-log)
for pl in "$run"/*-pathlen.csv; do
  [ -f "$pl" ] || continue
  t=$(basename "$pl" -pathlen.csv)
  awk -F, 'NR > 1 && $4 == "growth" && $2 != "(empty)" { print $2, substr($3, 8), $5, $8, $10 }' "$pl" |
    sort -k1,1 -k3,3 -k2,2n >"$tmp/p"
  [ -s "$tmp/p" ] || continue
  for op in alloc free; do
    plot=""
    c=0
    for h in $(awk '{ print $1 }' "$tmp/p" | uniq); do # one colour per heap: median solid, max dashed
      c=$((c + 1))
      awk -v h="$h" -v op="$op" '$1 == h && $3 == op { print $2, $4, $5 }' "$tmp/p" >"$tmp/p-$h-$op"
      plot="$plot '$tmp/p-$h-$op' using 1:2 with linespoints lc $c title '$h median', '$tmp/p-$h-$op' using 1:3 with linespoints lc $c dt 2 title '$h max',"
    done
    gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output '$run/plots/pathlen-$op-$t.png'
set title 'path length per $op against live allocations (growth-*), target $t'
set logscale xy
set xlabel 'live allocations'
set ylabel 'instructions per $op (median solid, max dashed)'
set key outside right
plot ${plot%,}
GP
  done
done
cp "$run"/plots/*.png "$root/plots/" 2>/dev/null || true
echo "plots: $run/plots/ (copied to plots/)"
