#!/bin/sh
# gate_test.sh DIR PLUGIN EMULATOR... -- HB_BENCH HB_BENCH_SLOWED : the
# regression gate (tools/gate.py) on real measurements.  Measures the path
# length of tlsf and buddy on churn with hb-bench and writes a baseline of
# it; the same build measured again must pass the gate; hb-bench-slowed
# (tlsf with an extra loop in alloc, slowheap.c) must fail it, with tlsf's
# alloc named as the regression and buddy not named.  Exit 77 (skipped)
# without python3.
set -eu
dir=$1 plugin=$2
shift 2
emu=
while [ "$1" != -- ]; do
  emu="$emu $1"
  shift
done
bench=$2 slowed=$3
here=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 missing: cannot run the gate"; exit 77; }
rm -rf "$dir"
mkdir -p "$dir"

measure() { # measure PROGRAM OUT
  # shellcheck disable=SC2086 # the emulator command is a list of words
  $emu -plugin "$plugin,out=$dir/counts.bin" "$1" --pathlen "$dir/counts.bin" --heap tlsf,buddy --workload churn \
    --no-speed --no-quality --out "$2" >"$2.log" 2>&1 || { cat "$2.log"; echo "FAIL: $1 did not complete"; exit 1; }
}
measure "$bench" "$dir/before"
python3 "$here/tools/gate.py" write "$dir/baseline" "$dir/before"

measure "$bench" "$dir/again"
if ! python3 "$here/tools/gate.py" check "$dir/baseline" "$dir/again" >"$dir/again.gate"; then
  cat "$dir/again.gate"
  echo "FAIL: the unchanged build did not pass the gate"
  exit 1
fi
grep -q "regress: passed" "$dir/again.gate" || { cat "$dir/again.gate"; echo "FAIL: no 'passed' line"; exit 1; }

measure "$slowed" "$dir/slowed"
rc=0
python3 "$here/tools/gate.py" check "$dir/baseline" "$dir/slowed" >"$dir/slowed.gate" || rc=$?
cat "$dir/slowed.gate"
[ "$rc" = 1 ] || { echo "FAIL: the gate exited $rc on the slowed tlsf (expected 1)"; exit 1; }
grep -Eq "^REGRESSION +tlsf +churn +[a-z0-9]+ +pathlen\.alloc\.median " "$dir/slowed.gate" ||
  { echo "FAIL: tlsf's alloc median is not named as a regression"; exit 1; }
if grep -Eq "^REGRESSION +buddy" "$dir/slowed.gate"; then
  echo "FAIL: buddy, unchanged, is named as a regression"
  exit 1
fi
echo "gate test: the unchanged build passed; the slowed tlsf alloc failed the gate and was named"
