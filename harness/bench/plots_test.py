#!/usr/bin/env python3
"""plots_test.py OUTDIR RUNNER... - the chart scripts and the report of a
tiny run (two heaps, two workloads): a heap has one colour in every chart and
two heaps never share one; the speed charts have logarithmic axes; the
target's report links every chart it wrote and every file it names exists."""
import glob
import os
import re
import shutil
import subprocess
import sys

out, runner = sys.argv[1], sys.argv[2:]
heaps = ["tlsf", "bump"]
shutil.rmtree(out, ignore_errors=True)
subprocess.run(runner + ["--heap", ",".join(heaps), "--workload", "churn,growth-10", "--repetitions", "3",
                         "--rep-ms", "1", "--out", out], check=True, stdout=subprocess.DEVNULL)
errs = []
scripts = sorted(glob.glob(os.path.join(out, "*-plot-*.gp")))
if not scripts:
    errs.append("no chart script written")
colours = {h: set() for h in heaps}
for gp in scripts:
    text = open(gp).read()
    for rgb, title in re.findall(r"lc rgb '(#[0-9a-f]{6})' title '([^']*)'", text):
        for h in heaps:
            if title == h or title.startswith(h + " "):
                colours[h].add((rgb, os.path.basename(gp)))
for h in heaps:
    if len({c for c, _ in colours[h]}) != 1:
        errs.append("heap %s: colours %s (one wanted in every chart)" % (h, sorted(colours[h])))
if len({c for h in heaps for c, _ in colours[h]}) < len(heaps):
    errs.append("two heaps share a colour: %s" % colours)
for name, axes in (("speed", "set logscale y"), ("growth", "set logscale xy")):
    path = [p for p in scripts if p.endswith("-plot-%s.gp" % name)]
    if not path or axes not in open(path[0]).read():
        errs.append("%s chart: missing, or without '%s'" % (name, axes))
reports = glob.glob(os.path.join(out, "*-report.md"))
if len(reports) != 1:
    errs.append("expected one <target>-report.md, found %s" % reports)
else:
    report = open(reports[0]).read()
    target = os.path.basename(reports[0])[: -len("-report.md")]
    for gp in scripts:
        chart = os.path.basename(gp)[len(target + "-plot-"): -len(".gp")]
        if "(plots/%s-%s.png)" % (chart, target) not in report:
            errs.append("%s does not link the chart %s" % (reports[0], chart))
    for link in re.findall(r"\]\(([^)]+)\)", report):
        if not link.startswith("plots/") and not os.path.exists(os.path.join(out, link)):
            errs.append("%s links %s, which does not exist" % (reports[0], link))
for e in errs:
    print("FAIL: " + e)
if errs:
    sys.exit(1)
print("PASS: %d chart scripts, one colour per heap, log axes, the report links them all" % len(scripts))
