#!/usr/bin/env bash
# tools/plots.sh RUN_DIR - draws a bench run's charts into RUN_DIR/plots/ by
# running the gnuplot scripts hb-bench wrote (<target>-plot-*.gp, their data
# inline; harness/bench/report.c).  The folder is emptied first, so it holds
# this run's charts only.  Exit 1 when one fails.  tools/bench.sh puts them
# in plots/ once the run is complete.
set -euo pipefail
run=${1:?usage: plots.sh RUN_DIR}
mkdir -p "$run/plots"
rm -f "$run"/plots/*.png
status=0 n=0
for gp in "$run"/*-plot-*.gp; do
  [ -f "$gp" ] || continue
  (cd "$run" && gnuplot "$(basename "$gp")") || { echo "plots: $gp failed" >&2; status=1; }
  n=$((n + 1))
done
echo "plots: $n drawn in $run/plots/" >&2
exit $status
