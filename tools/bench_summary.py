#!/usr/bin/env python3
"""bench_summary.py RUN_DIR - the closing lines of `make bench`: per target,
its timing kind, the speed claims and any failed heap x workload runs."""
import json
import os
import sys

run = sys.argv[1]
files = sorted(f for f in os.listdir(run)
               if f.endswith(".json") and not f.endswith("-gbench.json") and not f.endswith("-pathlen.json"))
print("\n== summary of %s ==" % run)
for f in files:
    d = json.load(open(os.path.join(run, f)))
    env = d["environment"]
    claims = "; ".join("%s %.3fx malloc (<= %.2f: %s)" % (c["heap"], c["ratio"], c["limit"],
                       "met" if c["met"] else "n/a (emulator)" if c["met"] is None else "NOT MET")
                       for c in d["claims"] if c["ratio"] is not None)
    print("%-9s %-8s timing, %3d runs, %2d failed, %6.1f s%s" % (
        env["target"], env["timing"], len(d["results"]), len(d["failures"]), d["total_seconds"],
        ("; " + claims) if claims else ""))
    for x in d["failures"]:
        print("          failed: %s / %s: %s: %s (seed %d)" % (x["heap"], x["workload"], x["status"],
                                                             x["detail"], x["seed"]))

# Path length (cross targets): the worst path per heap and each target, met or missed.
for f in sorted(f for f in os.listdir(run) if f.endswith("-pathlen.json")):
    d = json.load(open(os.path.join(run, f)))
    t = d["environment"]["target"]
    worst = ", ".join("%s %s/%s" % (w["heap"], w["alloc_max"], w["free_max"]) for w in d["worst"]
                      if w["heap"] != "(empty)")
    print("%-9s path length (worst alloc/free, instructions): %s" % (t, worst))
    for x in d["targets"]:
        print("          target %s %s <= %.0f: %.0f (%s): %s" % (x["heap"], x["what"], x["limit"], x["value"],
                                                             x["workload"], "met" if x["met"] else "MISSED"))
