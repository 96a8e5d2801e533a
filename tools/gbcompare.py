#!/usr/bin/env python3
"""gbcompare.py - Google Benchmark's compare.py on two heapbench runs.

    tools/gbcompare.py [OPTIONS] [A B]      (make gbcompare A=... B=...)

A and B are run folders (results/<id>) or <target>-gbench.json files.  With
folders, every target whose <target>-gbench.json is in both is compared.
Without A and B: the two newest complete runs under results/ (a run folder
without an INCOMPLETE file), older first.

compare.py is found as $GBENCH_COMPARE, else Debian's
/usr/share/benchmark/compare.py (package libbenchmark-tools), else
compare.py on the PATH; it needs scipy (python3-scipy).  Both are installed
by `make bench-deps`.  Options before A and B go to compare.py (e.g. -a,
--no-color).  Benchmarks are matched by name (<heap>/<workload>/alloc and
.../free); this script then says how many matched and names those only in
one run.  Exit 0 when at least one benchmark matched in every comparison, 1
when none did, 2 on bad arguments or a missing compare.py or scipy.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

DEBIAN_COMPARE = "/usr/share/benchmark/compare.py"


def die(msg, code=2):
    print("gbcompare: " + msg, file=sys.stderr)
    sys.exit(code)


def find_compare():
    for path in (os.environ.get("GBENCH_COMPARE"), DEBIAN_COMPARE, shutil.which("compare.py")):
        if path and os.path.isfile(path):
            return path
    die("Google Benchmark's compare.py not found (set GBENCH_COMPARE, or install libbenchmark-tools: "
        "make bench-deps)")


def python_with_scipy():
    """An interpreter that can import scipy.stats (compare.py's U test):
    this one, else Debian's, where python3-scipy installs it."""
    for exe in dict.fromkeys((sys.executable, "/usr/bin/python3")):
        if exe and os.path.isfile(exe) and subprocess.call(
                [exe, "-c", "import scipy.stats"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
            return exe
    die("compare.py needs scipy, which is missing (install python3-scipy: make bench-deps)")


def complete_runs(results):
    runs = []
    for name in sorted(os.listdir(results)) if os.path.isdir(results) else []:
        path = os.path.join(results, name)
        if os.path.isdir(path) and not os.path.islink(path) and not os.path.exists(os.path.join(path, "INCOMPLETE")):
            runs.append(path)
    return runs


def pairs(a, b):
    """The (target, file A, file B) to compare."""
    if os.path.isfile(a) and os.path.isfile(b):
        return [(os.path.basename(b), a, b)]
    if not (os.path.isdir(a) and os.path.isdir(b)):
        die("%s and %s must both be run folders or both be -gbench.json files" % (a, b))
    out = []
    for name in sorted(os.listdir(b)):
        if name.endswith("-gbench.json") and os.path.isfile(os.path.join(a, name)):
            out.append((name[: -len("-gbench.json")], os.path.join(a, name), os.path.join(b, name)))
    if not out:
        die("no <target>-gbench.json in both %s and %s (a run with speed measured writes one per target)" % (a, b))
    return out


def names(path):
    try:
        with open(path) as f:
            doc = json.load(f)
        return [x["name"] for x in doc["benchmarks"] if x.get("run_type") != "aggregate"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        die("%s: not Google Benchmark JSON (%s)" % (path, e))


def compare(python, compare_py, opts, target, a, b):
    """Runs compare.py; returns how many benchmarks of A and B matched."""
    na, nb = names(a), names(b)
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "diff.json")
        cmd = [python, compare_py, *opts, "-d", dump, "benchmarks", a, b]
        print("== %s: %s" % (target, " ".join(cmd[1:])), flush=True)
        rc = subprocess.call(cmd)
        if rc != 0 or not os.path.isfile(dump):
            die("compare.py failed on %s and %s (exit %d)" % (a, b, rc), 1)
        with open(dump) as f:
            diff = json.load(f)
    matched = {d["name"] for d in diff if d.get("run_type") != "aggregate"}
    only_a = sorted(set(na) - set(nb))
    only_b = sorted(set(nb) - set(na))
    print("gbcompare %s: %d of %d benchmarks matched (%d only in A, %d only in B)"
          % (target, len(matched), len(set(na) | set(nb)), len(only_a), len(only_b)))
    for n in only_a[:20]:
        print("  only in A: " + n)
    for n in only_b[:20]:
        print("  only in B: " + n)
    return len(matched)


def main(argv):
    opts = [x for x in argv if x.startswith("-")]
    args = [x for x in argv if not x.startswith("-")]
    if "-h" in opts or "--help" in opts:
        print(__doc__)
        return 0
    if len(args) == 0:
        runs = complete_runs(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results"))
        if len(runs) < 2:
            die("fewer than two complete runs under results/: name A and B")
        args = runs[-2:]
    if len(args) != 2:
        die("usage: tools/gbcompare.py [compare.py options] [A B]  (run folders or -gbench.json files)")
    compare_py = find_compare()
    python = python_with_scipy()
    worst = None
    for target, a, b in pairs(*args):
        n = compare(python, compare_py, opts, target, a, b)
        worst = n if worst is None else min(worst, n)
    if not worst:
        print("gbcompare: no benchmark matched: nothing was compared", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
