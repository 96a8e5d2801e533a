#!/usr/bin/env python3
"""minpool_test.py OUTDIR -- RUNNER... : the minimum pool, the alignment refusals and the provenance, end to end.

Runs the bench's test build (RUNNER: hb-bench-faults, after an emulator on a cross target) on the example heaps
my-heap (a fixed pool: adapter.h without add_pool) and listheap (expands), and on the test heaps t-align16 (max_align
16, refuses larger alignments) and t-alignnull (declares 4096, yet fails above 16), over churn and align-mixed,
with the minimum-pool meter on, then checks:
  - the run folder is valid (tools/validate_results.py: an exact minimum pool of n pages has a successful probe of
    n pages and a failed one of n - 1);
  - my-heap has an exact minimum pool on churn, no footprint ratio (fixed pool), and listheap a minimum pool with
    expansion "off" beside its footprint;
  - t-align16's refusals are counted as refused_align, not as failed allocs nor catastrophic; t-alignnull's
    NULLs are failed allocs;
  - listheap's provenance: an example, its source file, a 16-digit hash, its HB_HEAP_VERSION "1.0";
  - the initial block: 64 KiB by default; with --initial-bytes 200K (a second run, churn only) listheap starts
    from 204 800 bytes, its peak pool at least that, the run says so (environment.initial_bytes), and my-heap
    (fixed pool) still gets the whole arena.
Exit 0 when all hold, 1 with one line per problem.
"""
import json
import os
import subprocess
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_bench(runner, args, out, label, errs):
    """Runs the bench with args into out and validates the run folder; returns its target's JSON (None if the run
    failed to start a folder)."""
    run = subprocess.run(runner + args + ["--out", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(run.stdout[-3000:])
    if run.returncode != 0:
        errs.append(f"{label}hb-bench-faults exited {run.returncode}")
    val = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "validate_results.py"), out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if val.returncode != 0:
        errs.append(f"{label}validate_results.py: " + val.stdout.strip())
    targets = [f[:-5] for f in os.listdir(out) if f.endswith(".json")] if os.path.isdir(out) else []
    return json.load(open(os.path.join(out, f"{targets[0]}.json"))) if targets else None


def check_initial_bytes(runner, out, errs):
    """--initial-bytes 200K: a heap that expands starts from it, a fixed pool still gets the arena."""
    doc = run_bench(runner, ["--heap", "my-heap,listheap", "--workload", "churn", "--no-speed", "--no-minpool",
                             "--initial-bytes", "200K"], out, "--initial-bytes 200K: ", errs)
    if not doc:
        return
    res = {r["heap"]: r for r in doc["results"]}
    if doc["environment"]["initial_bytes"] != 204800:
        errs.append(f"--initial-bytes 200K: environment.initial_bytes {doc['environment']['initial_bytes']}")
    lh = res["listheap"]
    if lh["initial_bytes"] != 204800 or lh["fragmentation"]["peak_pool_bytes"] < 204800:
        errs.append(f"--initial-bytes 200K: listheap started from {lh['initial_bytes']} bytes, peak pool "
                    f"{lh['fragmentation']['peak_pool_bytes']}")
    mine = res["my-heap"]
    if mine["initial_bytes"] != mine["arena_bytes"]:
        errs.append(f"--initial-bytes 200K: my-heap (fixed pool) got {mine['initial_bytes']} bytes, not its arena "
                    f"{mine['arena_bytes']}")


def main():
    out, runner = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    errs = []
    doc = run_bench(runner, ["--heap", "my-heap,listheap,t-align16,t-alignnull", "--workload", "churn,align-mixed",
                             "--no-speed", "--minpool"], out, "", errs)
    if not doc:
        for e in errs:
            print("FAIL:", e)
        return 1
    res = {(r["heap"], r["workload"]): r for r in doc["results"]}
    heaps = {h["name"]: h for h in doc["heaps"]}

    mine = res[("my-heap", "churn")]
    m = mine["min_pool"]
    if not (m and m["found"] and m["exact"] and m["expansion"] == "none"):
        errs.append(f"my-heap / churn: no exact minimum pool for a fixed pool: {m}")
    if mine["fragmentation"]["footprint_ratio"] is not None or not mine["fragmentation"]["fixed_pool"]:
        errs.append("my-heap / churn: a fixed pool must have no footprint ratio, and say fixed_pool")
    lh = res[("listheap", "churn")]
    if not (lh["min_pool"] and lh["min_pool"]["found"] and lh["min_pool"]["expansion"] == "off"
            and lh["fragmentation"]["footprint_ratio"]):
        errs.append(f"listheap / churn: wants a minimum pool (expansion off) beside its footprint: {lh['min_pool']}")

    a16 = res[("t-align16", "align-mixed")]["fragmentation"]
    if not (a16["refused_align"] > 0 and a16["nulls"] == 0 and a16["catastrophic"] is None):
        errs.append(f"t-align16 / align-mixed: refusals above max_align must be refused_align alone: "
                    f"refused_align {a16['refused_align']}, nulls {a16['nulls']}, catastrophic {a16['catastrophic']}")
    a16m = res[("t-align16", "align-mixed")]["min_pool"]
    if not (a16m and a16m["found"] and a16m["refused_align"] > 0):
        errs.append(f"t-align16 / align-mixed: refusals must not fail the minimum pool's probes: {a16m}")
    an = res[("t-alignnull", "align-mixed")]["fragmentation"]
    if not (an["nulls"] > 0 and an["refused_align"] == 0):
        errs.append(f"t-alignnull / align-mixed: NULLs within max_align are failures: nulls {an['nulls']}, "
                    f"refused_align {an['refused_align']}")

    p = heaps["listheap"]["provenance"]
    want = {"origin": "example", "source": "examples/listheap/heapbench_adapter.c", "version": "1.0"}
    if not p or any(p[k] != v for k, v in want.items()) or len(p["hash"]) != 16:
        errs.append(f"listheap: provenance {p}, wanted {want} and a 16-digit hash")
    if heaps["t-align16"]["provenance"] is not None:
        errs.append("t-align16: a test heap has no provenance entry")

    if doc["environment"]["initial_bytes"] is not None or lh["initial_bytes"] != 65536:
        errs.append(f"default run: initial_bytes {doc['environment']['initial_bytes']} (want null), listheap's "
                    f"{lh['initial_bytes']} (want 65536)")
    check_initial_bytes(runner, out + "-initial", errs)
    for e in errs:
        print("FAIL:", e)
    print("minpool_test: " + ("FAILED" if errs else "all checks hold"))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
