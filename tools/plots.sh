#!/usr/bin/env bash
# tools/plots.sh RUN_DIR - draws a bench run's plots into RUN_DIR/plots/ by
# running the gnuplot scripts hb-bench wrote next to their data
# (<target>-plot-*.gp and .dat; harness/bench/report.c).  Exit 1 when one
# fails.  tools/bench.sh copies the PNGs to plots/ once the run is complete.
set -euo pipefail
run=${1:?usage: plots.sh RUN_DIR}
mkdir -p "$run/plots"
status=0 n=0
for gp in "$run"/*-plot-*.gp; do
  [ -f "$gp" ] || continue
  (cd "$run" && gnuplot "$(basename "$gp")") || { echo "plots: $gp failed" >&2; status=1; }
  n=$((n + 1))
done
echo "plots: $n drawn in $run/plots/" >&2
exit $status
