#!/bin/sh
# pathlen_test.sh exact|repro PLUGIN OBJDUMP WORKDIR EMULATOR... HB-BENCH
#   exact: the calibrated empty marker pair counts 0, and the probe of a
#          straight-line function counts exactly the instructions objdump
#          shows for it (minus those of an empty function, called the same way)
#   repro: the same path-length measurement run twice gives the same figures,
#          bit for bit
# Exit 77 (CTest: skipped) when the plugin is not built (no qemu-plugin.h).
set -e
mode=$1 plugin=$2 objdump=$3 work=$4
shift 4
bin=$(eval echo "\${$#}")
if [ ! -f "$plugin" ]; then
  echo "SKIP: the path-length plugin $plugin is not built: qemu-plugin.h was not fetched" \
    "(run tools/qemu-plugin-header.sh online, then rebuild)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
EMU=""
while [ $# -gt 1 ]; do EMU="$EMU $1"; shift; done
# run COUNTFILE ARGS...: the program under the emulator with the plugin
run() {
  c=$1
  shift
  # shellcheck disable=SC2086
  $EMU -plugin "$plugin,out=$c" "$bin" "$@"
}
case $mode in
exact)
  run "$work/c.bin" --pathlen-probe "$work/c.bin" >"$work/probe.txt"
  cat "$work/probe.txt"
  count() { # instructions of a straight-line function up to its return (and a MIPS delay slot)
    "$objdump" -d --no-show-raw-insn --disassemble="$1" "$bin" | awk -v sym="<$1>:" '
      index($0, sym) { on = 1; next }
      on && /^[ \t]+[0-9a-f]+:\t/ { n++; if (delay) { print n; exit } 
        if ($0 ~ /\tret/) { print n; exit } if ($0 ~ /\tjr\tra/) delay = 1 }'
  }
  ke=$(count hb_probe_empty) kk=$(count hb_probe_known)
  want=$((kk - ke))
  got=$(sed -n 's/^probe-known-minus-empty //p' "$work/probe.txt")
  zero=$(sed -n 's/^calibrated-empty-pair //p' "$work/probe.txt")
  echo "objdump: hb_probe_known $kk instructions, hb_probe_empty $ke: difference $want; measured $got;" \
    "calibrated empty pair $zero"
  [ "$zero" = 0 ] && [ "$got" = "$want" ] && [ "$want" -gt 5 ]
  ;;
repro)
  for i in 1 2; do
    run "$work/c$i.bin" --pathlen "$work/c$i.bin" --no-speed --no-quality --heap tlsf,buddy,slab,bump --workload churn,adv-split,adv-merge \
      --out "$work/run$i" >"$work/run$i.txt" 2>&1 || { cat "$work/run$i.txt"; exit 1; }
  done
  t=$(ls "$work/run1" | sed -n 's/-pathlen\.csv$//p')
  for f in "$t-pathlen.csv" "$t-pathlen-hist.csv"; do
    cmp "$work/run1/$f" "$work/run2/$f"
    echo "$f: identical over two runs ($(wc -l <"$work/run1/$f") lines)"
  done
  cmp "$work/c1.bin" "$work/c2.bin" && echo "raw counts: identical over two runs ($(wc -c <"$work/c1.bin") bytes)"
  ;;
*)
  echo "usage: pathlen_test.sh exact|repro PLUGIN OBJDUMP WORKDIR EMULATOR... HB-BENCH" >&2
  exit 2
  ;;
esac
