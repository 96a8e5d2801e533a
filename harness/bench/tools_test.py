#!/usr/bin/env python3
"""tools_test.py WORKDIR - tools/compare.py, tools/gate.py and tools/history.py on synthetic run folders.

Each check builds small result files (schema heapbench-results/2, only the
fields the tools read) in WORKDIR, runs the tool as `make` does and holds
its exit status and the lines it must print:

  - compare: the Mann-Whitney U test against exact values (fully separated
    samples of 3 and 9: p = 2/C(6,3) and 2/C(18,9)); a deterministic figure
    that grew is WORSE and one that shrank better; timings far apart are
    SLOWER, close ones (within the minimum effect) same; busy records and
    busy machines flagged; heaps only in one run new or missing.
  - gate: a figure over its threshold fails and is named, one within it
    passes; a missing record fails, a new one does not; a narrowed run does
    not judge the rest; a failed record is a regression; a bad baseline line
    is named by file and line (exit 2).
  - history and trend: two runs of two commits appended once each; the
    trend draws a PNG per target x heap (needs gnuplot; else that check is
    skipped), and with one commit it refuses.
Exit 0 when all hold; 1 with a line per failed check.
"""
import copy
import json
import os
import shutil
import subprocess
import sys

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
import compare  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def pathlen(median, mx):
    op = {"calls": 10, "min": 1, "median": median, "p99": mx, "max": mx, "mean": median, "own_max": mx,
          "mm_max": None, "own_calls": 10, "mm_calls": 0}
    return {"peak_pool_bytes": 4096, "nulls": 0, "alloc": dict(op), "free": dict(op)}


def record(heap, wl, med=100, mx=200, reps=None, busy=False, status="ok"):
    r = {"heap": heap, "workload": wl, "status": status, "failure": None, "pathlen": pathlen(med, mx),
         "fragmentation": None, "metadata": None, "speed": None}
    if status != "ok":
        r["failure"] = {"meter": "pathlen", "kind": "crashed", "detail": "SIGSEGV in alloc"}
        r["pathlen"] = None
    if reps:
        r["speed"] = {"timing": "host", "busy": busy, "alloc_reps": reps, "free_reps": reps}
    return r


def run_folder(name, commit, started, recs, load=0.1):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    doc = {"schema": "heapbench-results/2",
           "environment": {"target": "x86", "commit": commit, "started": started, "seed": 1, "compiler": "GNU 12",
                           "flags": "-O2", "build_type": "Release", "word_bytes": 4, "page_size": 4096,
                           "default_align": 16, "load_per_cpu": load, "timing": "host"},
           "results": recs}
    with open(os.path.join(d, "x86.json"), "w") as f:
        json.dump(doc, f)
    return d


def tool(*args):
    r = subprocess.run([sys.executable, os.path.join(TOOLS, args[0])] + list(args[1:]), capture_output=True,
                       text=True)
    return r.returncode, r.stdout + r.stderr


def has_line(out, *words):
    return any(all(w in line.split() for w in words) for line in out.splitlines())


def test_u():
    _, p = compare.mann_whitney([1, 2, 3], [4, 5, 6])
    check(abs(p - 0.1) < 1e-12, f"U test exact p of 3 vs 3 separated is 2/20 (got {p})")
    _, p = compare.mann_whitney(list(range(9)), [x + 100 for x in range(9)])
    check(abs(p - 2 / 48620) < 1e-12, f"U test exact p of 9 vs 9 separated is 2/48620 (got {p})")
    _, p = compare.mann_whitney([1, 2, 3, 4], [1, 2, 3, 4])
    check(p == 1.0, f"U test on equal samples (ties: normal approximation) gives p = 1 (got {p})")


def test_compare():
    base = [10.0, 10.2, 9.9, 10.1, 10.0, 10.3, 9.8, 10.1, 10.0]
    tight = [10 + i * 0.001 for i in range(9)]  # 1 % slower below: significant, but under the minimum effect
    a = run_folder("cmpA", "aaa", "2026-01-01T00:00:00Z",
                   [record("tlsf", "churn", reps=base), record("buddy", "churn", reps=tight),
                    record("gone", "churn")])
    b = run_folder("cmpB", "bbb", "2026-01-02T00:00:00Z",
                   [record("tlsf", "churn", med=101, reps=[x * 1.5 for x in base]),
                    record("buddy", "churn", mx=150, reps=[x * 1.01 for x in tight], busy=True),
                    record("fresh", "churn")], load=3.0)
    rc, out = tool("compare.py", a, b)
    check(rc == 0, f"compare exits 0 (got {rc})")
    check(has_line(out, "tlsf", "churn", "pathlen.alloc.median", "100", "101", "WORSE"), "compare: grown median WORSE")
    check(has_line(out, "buddy", "churn", "pathlen.alloc.max", "200", "150", "better"), "compare: smaller max better")
    check(has_line(out, "tlsf", "churn", "SLOWER"), "compare: 1.5x timing SLOWER")
    check(not has_line(out, "buddy", "churn", "SLOWER"), "compare: a 1 % slower timing (p < 0.05) is not SLOWER")
    rc, out = tool("compare.py", "--all", a, b)
    check(has_line(out, "buddy", "churn", "ns/alloc", "same", "(effect", "busy"),
          "compare --all: every timing; under the minimum effect 'same', busy records flagged")
    check("busy machine: B" in out, "compare: B's busy machine noted")
    check("new on x86 (only in B): fresh" in out and "missing on x86 (only in A): gone" in out,
          "compare: new and missing heaps named")
    rc, out = tool("compare.py", a)
    check(rc == 2 and "give two run folders" in out, "compare: one folder is a usage error (2)")


def test_gate():
    recs = [record("tlsf", "churn"), record("buddy", "churn"), record("buddy", "list")]
    base_run = run_folder("gbase", "c1", "2026-01-01T00:00:00Z", recs)
    baseline = os.path.join(work, "baseline")
    rc, out = tool("gate.py", "write", baseline, base_run)
    check(rc == 0 and os.path.exists(os.path.join(baseline, "x86.csv")), "gate write: baseline written")
    rc, out = tool("gate.py", "check", baseline, base_run)
    check(rc == 0 and "regress: passed" in out, "gate: the same figures pass")
    worse = copy.deepcopy(recs)
    worse[0]["pathlen"]["alloc"]["max"] = 201
    worse[1]["pathlen"]["alloc"]["p99"] = 201  # p99: +0.5 %, within its 1 %
    rc, out = tool("gate.py", "check", baseline, run_folder("gworse", "c2", "2026-01-02T00:00:00Z", worse))
    check(rc == 1 and has_line(out, "REGRESSION", "tlsf", "churn", "x86", "pathlen.alloc.max", "200", "201"),
          "gate: a max one instruction longer fails and is named with old and new")
    check(has_line(out, "buddy", "churn", "x86", "pathlen.alloc.p99") and not has_line(out, "REGRESSION", "buddy"),
          "gate: a p99 0.5 % longer is printed, within threshold")
    fewer = [recs[0], recs[1], record("slab", "churn")]
    rc, out = tool("gate.py", "check", baseline, run_folder("gfewer", "c3", "2026-01-03T00:00:00Z", fewer))
    check(rc == 1 and has_line(out, "MISSING", "buddy", "list", "x86"), "gate: a missing record fails and is named")
    check("new on x86 (not in the baseline): slab" in out, "gate: a new heap is reported")
    rc, out = tool("gate.py", "check", baseline, os.path.join(work, "gfewer"), "--heaps", "tlsf,slab")
    check(rc == 0 and "not judged" in out, "gate: a narrowed run does not judge the rest")
    failed = [record("tlsf", "churn", status="failed"), recs[1], recs[2]]
    rc, out = tool("gate.py", "check", baseline, run_folder("gfail", "c4", "2026-01-04T00:00:00Z", failed))
    check(rc == 1 and has_line(out, "REGRESSION", "tlsf", "churn", "x86", "status", "ok", "failed"),
          "gate: a record that failed is a regression")
    with open(os.path.join(baseline, "x86.csv"), "a") as f:
        f.write("tlsf,list,ok,12\n")
    rc, out = tool("gate.py", "check", baseline, base_run)
    check(rc == 2 and "x86.csv:5:" in out, "gate: a malformed baseline line is named by file and line")


def test_history():
    hist = os.path.join(work, "history")
    r1 = run_folder("h1", "c1", "2026-01-01T00:00:00Z", [record("tlsf", "churn"), record("tlsf", "list")])
    rc, out = tool("history.py", "append", hist, r1)
    check(rc == 0 and "2 heap x workload lines" in out, "history: a run appended")
    rc, out = tool("history.py", "append", hist, r1)
    check("already in" in out, "history: the same run is not appended twice")
    rc, out = tool("history.py", "trend", hist, os.path.join(work, "trend1"))
    check(rc == 1 and "at least two commits" in out, "trend: one commit is refused")
    r2 = run_folder("h2", "c2", "2026-01-02T00:00:00Z", [record("tlsf", "churn", mx=300), record("tlsf", "list")])
    tool("history.py", "append", hist, r2)
    if not shutil.which("gnuplot"):
        print("skip trend drawing: no gnuplot")
        return
    rc, out = tool("history.py", "trend", hist, os.path.join(work, "trend"))
    png = os.path.join(work, "trend", "trend-x86-tlsf.png")
    check(rc == 0 and os.path.getsize(png) > 1000 if os.path.exists(png) else False, "trend: a PNG per target x heap")
    with open(os.path.join(work, "trend", "trend-x86-tlsf.dat")) as f:
        dat = f.read()
    check("c1 200 200" in dat and "c2 300 200" in dat, "trend: worst and median over workloads per commit")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: tools_test.py WORKDIR", file=sys.stderr)
        sys.exit(2)
    work = sys.argv[1]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    test_u()
    test_compare()
    test_gate()
    test_history()
    print(f"{len(failures)} check(s) failed" if failures else "all checks hold")
    sys.exit(1 if failures else 0)
