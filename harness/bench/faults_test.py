#!/usr/bin/env python3
"""faults_test.py - hb-bench's isolation and validity, tested with the test
heaps of testheaps.c (linked only into hb-bench-faults).

    faults_test.py METER WORKDIR [--plugin SO] -- [EMULATOR...] HB-BENCH-FAULTS

METER is the meter the faulty heaps misbehave in (quality, speed, pathlen,
minpool) or "bogus" (heaps that return bad blocks, caught by the shadow check).
Runs hb-bench-faults on bump plus the faulty heaps and checks, from the
JSON it wrote:
  - the exit status is 1 and every faulty heap x workload is listed in
    "failures" with the meter, the kind of end (crashed, timeout, exited,
    stack overflow; invalid with its reason for bogus heaps) and the last
    heap call; the spinning heap's timeout says it used its CPU time limit
    (the child's CPU time at least that limit), the other failures have no
    timeout;
  - a faulty heap has no figure from the meter it failed in (none at all
    when invalid);
  - every other record (bump, malloc, (empty)) is complete: status ok and
    the figures of every meter that ran (every speed repetition asked for).
Exit 0 when all holds; 1 with one line per problem; 77 (skipped) for the
path-length meter when the plugin is not built.
"""
import json
import os
import shutil
import subprocess
import sys

FAULTY = {"t-crash": ("crashed", "sanitizer"), "t-hang": ("timeout",), "t-exit": ("exited",),
          "t-stack": ("stack overflow",)}
BOGUS = {"t-same": "overlaps a live block", "t-static": "outside the page blocks the memory manager lent",
         "t-misalign": "is not aligned as asked", "t-usable": "usable size below the size asked"}
WORKLOADS = ["fill-16-same", "churn"]
REPS = 2


def main():
    args = sys.argv[1:]
    if len(args) < 4 or "--" not in args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sep = args.index("--")
    meter, work = args[0], args[1]
    opts, cmd = args[2:sep], args[sep + 1:]
    plugin = opts[opts.index("--plugin") + 1] if "--plugin" in opts else None
    if meter == "pathlen" and (not plugin or not os.path.exists(plugin)):
        print(f"SKIP: the path-length plugin {plugin} is not built")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = os.path.join(work, "run")
    heaps = BOGUS if meter == "bogus" else FAULTY
    bench = cmd[-1]
    pre = cmd[:-1]
    extra = []
    if plugin and meter == "pathlen":
        counts = os.path.join(work, "counts.bin")
        pre = pre + ["-plugin", f"{plugin},out={counts}"]
        extra = ["--pathlen", counts, "--no-speed"]
    env = dict(os.environ)
    env.pop("HB_FAULT_METER", None)
    if meter != "bogus":
        env["HB_FAULT_METER"] = meter
    run = pre + [bench, "--heap", ",".join(["bump"] + list(heaps)), "--workload", ",".join(WORKLOADS),
                 "--repetitions", str(REPS), "--rep-ms", "1", "--timeout", "2", "--out", out] + extra
    if meter in ("quality", "minpool"):
        run.append("--no-speed")
    run.append("--minpool" if meter == "minpool" else "--no-minpool")
    quality_ran = meter in ("quality", "bogus", "minpool")
    if not quality_ran:  # the quality meter is tested on its own; leaving it out keeps the test short
        run.append("--no-quality")
    p = subprocess.run(run, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout[-6000:])
    errs = []
    if p.returncode != 1:
        errs.append(f"exit status {p.returncode}, expected 1")
    target = [f for f in os.listdir(out) if f.endswith(".json") and not f.endswith("-gbench.json")] \
        if os.path.isdir(out) else []
    if len(target) != 1:
        errs.append(f"{out}: expected one <target>.json, found {target}")
        return report(errs)
    doc = json.load(open(os.path.join(out, target[0])))
    failures = {(f["heap"], f["workload"]): f for f in doc["failures"]}
    speed_ran = "--no-speed" not in run
    for r in doc["results"]:
        key = (r["heap"], r["workload"])
        where = f"{r['heap']} / {r['workload']}"
        if r["heap"] in heaps:
            f = failures.get(key)
            if not f:
                errs.append(f"{where}: not listed in failures")
                continue
            if meter == "bogus":
                if f["meter"] != "check" or f["kind"] != "invalid" or heaps[r["heap"]] not in f["detail"]:
                    errs.append(f"{where}: expected invalid ({heaps[r['heap']]}) in the check, got {f}")
            else:
                if f["meter"] != meter or f["kind"] not in heaps[r["heap"]]:
                    errs.append(f"{where}: expected {heaps[r['heap']]} in the {meter} meter, got {f}")
                if not f["last_call"] or "alloc" not in f["last_call"]:
                    errs.append(f"{where}: no last heap call in {f}")
                t = f.get("timeout")
                if f["kind"] == "timeout":
                    if not t or t["limit"] != "cpu" or t["cpu_seconds"] < t["cpu_limit"] or \
                            not t["cpu_limit"] < t["blocked_limit"] < t["backstop"]:
                        errs.append(f"{where}: a spinning heap should use its CPU time limit, got {t}")
                elif t is not None:
                    errs.append(f"{where}: a {f['kind']} failure with a timeout {t}")
            # No figure from the meter it failed in (none at all when invalid);
            # figures of the meters it completed before stay.
            gone = {"bogus": ("speed", "fragmentation", "pathlen"), "quality": ("speed", "fragmentation"),
                    "speed": ("speed",), "pathlen": ("pathlen",), "minpool": ("speed", "min_pool")}[meter]
            if any(r[k] for k in gone):
                errs.append(f"{where}: figures of {gone} despite the failure")
            continue
        if r["status"] != "ok" or key in failures:
            errs.append(f"{where}: status {r['status']}, expected ok")
        kernel = r["heap"] not in ("malloc", "(empty)")
        if speed_ran and (not r["speed"] or r["speed"]["repetitions"] != REPS):
            errs.append(f"{where}: speed figures incomplete: {r['speed'] and r['speed']['repetitions']}")
        if kernel and quality_ran and not r["fragmentation"]:
            errs.append(f"{where}: no fragmentation figures")
        if kernel and meter == "minpool" and not (r["min_pool"] and r["min_pool"]["found"]):
            errs.append(f"{where}: no minimum pool")
        if meter == "pathlen" and r["heap"] != "malloc" and not r["pathlen"]:
            errs.append(f"{where}: no path-length figures")
    if doc["complete"]:
        errs.append("the JSON says complete")
    return report(errs)


def report(errs):
    for e in errs:
        print("FAIL:", e)
    print("ok" if not errs else f"{len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
