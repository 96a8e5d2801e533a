#!/usr/bin/env python3
"""gbcompare_test.py OUTDIR RUNNER... - Google Benchmark's compare.py on two
tiny runs (one heap, one workload, speed only): tools/gbcompare.py must
match every benchmark of one run with the other's (stable names), with none
only in one run.  Exit 77 (skipped) when compare.py or scipy is missing:
they come with `make bench-deps`, not with `make test`."""
import os
import re
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
gbcompare = os.path.join(here, "..", "..", "tools", "gbcompare.py")
out, runner = sys.argv[1], sys.argv[2:]
shutil.rmtree(out, ignore_errors=True)
for i, seed in enumerate(("1", "2")):
    subprocess.run(runner + ["--heap", "bump", "--workload", "fill-16-same", "--no-quality", "--repetitions", "3",
                             "--rep-ms", "1", "--seed", seed, "--out", os.path.join(out, "run%d" % i)],
                   check=True, stdout=subprocess.DEVNULL)
p = subprocess.run([sys.executable, gbcompare, "--no-color", os.path.join(out, "run0"), os.path.join(out, "run1")],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
print(p.stdout)
if p.returncode == 2 and re.search(r"compare\.py not found|needs scipy", p.stdout):
    print("SKIP: Google Benchmark's compare.py or scipy is missing (make bench-deps installs them)")
    sys.exit(77)
m = re.search(r"(\d+) of (\d+) benchmarks matched \((\d+) only in A, (\d+) only in B\)", p.stdout)
if p.returncode != 0 or not m:
    sys.exit("FAIL: gbcompare exited %d without its matched line" % p.returncode)
matched, total = int(m.group(1)), int(m.group(2))
if matched == 0 or matched != total:
    sys.exit("FAIL: %d of %d benchmarks matched: a benchmark name differs between two runs" % (matched, total))
print("PASS: all %d benchmarks matched" % total)
