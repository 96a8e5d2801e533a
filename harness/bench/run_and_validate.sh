#!/bin/sh
# run_and_validate.sh OUTDIR TARGET RUNNER... : runs a small bench (the
# runner command may start with an emulator) into OUTDIR, then validates
# the run folder against docs/results.schema.json.  Exit 77 (skipped)
# without python3.
set -e
out=$1 target=$2
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 missing: cannot validate"; exit 77; }
rm -rf "$out"
"$@" --heap bump --workload fill-16-same,list,trace-awk --repetitions 9 --rep-ms 1 --out "$out"
python3 "$here/tools/validate_results.py" "$out" "$target"
