#!/usr/bin/env python3
"""compare.py - two heapbench run folders side by side (`make compare`).

    tools/compare.py [options] [A B]

A and B are run folders of `make bench` or `make regress` (default: the
complete run before results/latest, and results/latest).  For every target
both runs have, per heap x workload, every figure of the result record:

  - deterministic figures (path length, fragmentation, metadata;
    hbfigures.DETERMINISTIC) are compared exactly: any difference is a
    change, "worse" or "better" (every one of them is worse when higher);
  - timings (ns per alloc and per free, every repetition) with the rule of
    Google Benchmark's compare.py: a two-sided Mann-Whitney U test over the
    repetitions of A and of B (exact distribution without ties, the normal
    approximation with tie and continuity corrections otherwise), and in
    addition a minimum effect size: a timing is "slower" or "faster" only
    when p < ALPHA (0.05) and the medians differ by at least MIN_EFFECT
    (5 %).  Fewer than 2 repetitions on a side: not judged.  A record whose
    speed figures are marked busy in either run (the machine was loaded
    while it ran) is flagged "busy"; emulator timings are flagged
    "emulator" (they measure QEMU, not the target).
  - status: a record ok in one run and failed or invalid in the other.

Records only in B are "new", only in A "missing".  By default only the
changed rows are printed, with counts of the rest; --all prints every
figure of every record.  Exit 0 after a comparison (it is a report; the
gate is tools/gate.py), 2 on bad usage or an unreadable run folder.

Costs: the U test's exact distribution is O(n1 * n2 * n1 * n2 / 2) integer
additions per pair (9 x 9 repetitions: about 3000), once per size pair.
"""
import argparse
import math
import signal
import os
import sys
from functools import lru_cache

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hbfigures as hf  # noqa: E402

ALPHA = 0.05
MIN_EFFECT = 0.05


@lru_cache(maxsize=None)
def u_counts(n1, n2):
    """Number of rank arrangements giving each U (0..n1*n2), no ties."""
    # f[m][n][u]: arrangements of m x's and n y's with U = u; built row by row.
    prev = [[1] + [0] * (n1 * n2) for _ in range(n2 + 1)]  # m = 0: U = 0 only
    for m in range(1, n1 + 1):
        cur = [[0] * (n1 * n2 + 1) for _ in range(n2 + 1)]
        cur[0][0] = 1
        for n in range(1, n2 + 1):
            for u in range(m * n + 1):
                # the largest value is an x (it beats all n y's) or a y
                cur[n][u] = (prev[n][u - n] if u >= n else 0) + cur[n - 1][u]
        prev = cur
    return tuple(prev[n2])


def mann_whitney(a, b):
    """(U of a, two-sided p) of the Mann-Whitney U test."""
    n1, n2 = len(a), len(b)
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks, i, ties = [0.0] * len(pooled), 0, 0.0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(r for r, (_, side) in zip(ranks, pooled) if side == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    mean = n1 * n2 / 2
    if ties == 0 and n1 * n2 <= 4096:
        counts = u_counts(n1, n2)
        lo = min(u1, n1 * n2 - u1)
        p = 2 * sum(counts[: int(lo) + 1]) / math.comb(n1 + n2, n1)
        return u1, min(1.0, p)
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - mean) - 0.5) / math.sqrt(var)
    return u1, min(1.0, math.erfc(max(z, 0) / math.sqrt(2)))


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def judge_timing(a_reps, b_reps, alpha, min_effect):
    """(median A, median B, p or None, verdict) of one timing."""
    if len(a_reps) < 2 or len(b_reps) < 2:
        return (median(a_reps) if a_reps else None, median(b_reps) if b_reps else None, None,
                f"not judged: {min(len(a_reps), len(b_reps))} repetition(s)")
    ma, mb = median(a_reps), median(b_reps)
    _, p = mann_whitney(a_reps, b_reps)
    effect = mb / ma - 1 if ma else 0.0
    if p >= alpha:
        verdict = "same (p >= %.2g)" % alpha
    elif abs(effect) < min_effect:
        verdict = "same (effect < %g %%)" % (min_effect * 100)
    else:
        verdict = "SLOWER" if effect > 0 else "faster"
    return ma, mb, p, verdict


def previous_complete(results):
    """(before, latest): results/latest and the newest complete run folder older than it."""
    latest = os.path.join(results, "latest")
    if not os.path.isdir(latest):
        raise hf.RunError(f"{latest}: no complete run yet (make bench, or make compare A=... B=...)")
    name = os.path.basename(os.path.realpath(latest))
    older = sorted(d for d in os.listdir(results)
                   if d < name and d[:8].isdigit() and os.path.isdir(os.path.join(results, d))
                   and not os.path.exists(os.path.join(results, d, "INCOMPLETE")))
    if not older:
        raise hf.RunError(f"{results}: no complete run before {name} (make compare A=... B=...)")
    return os.path.join(results, older[-1]), os.path.join(results, name)


def settings_lines(ea, eb):
    out = []
    for k in hf.SETTINGS + ("commit", "timing", "started"):
        if ea.get(k) != eb.get(k):
            out.append(f"  {k}: {ea.get(k)} -> {eb.get(k)}")
    return out


def busy_note(env):
    load = env.get("load_per_cpu")
    return f"load {load:.2f}/cpu" if isinstance(load, (int, float)) else "load unknown"


def compare_target(target, da, db, args):
    ra, rb = hf.records(da), hf.records(db)
    ea, eb = da["environment"], db["environment"]
    print(f"== {target}: A {ea.get('commit')} {ea.get('started')} ({busy_note(ea)})  vs  "
          f"B {eb.get('commit')} {eb.get('started')} ({busy_note(eb)}) ==")
    diffs = settings_lines(ea, eb)
    if diffs:
        print("settings that differ (deterministic figures may differ for that reason alone):")
        print("\n".join(diffs))
    new = sorted(set(rb) - set(ra))
    missing = sorted(set(ra) - set(rb))
    det_rows, time_rows, counts = [], [], {"same": 0, "worse": 0, "better": 0, "changed": 0}
    tcounts, one_side = {}, {}
    for key in sorted(set(ra) & set(rb)):
        a, b = ra[key], rb[key]
        if a["status"] != b["status"]:
            det_rows.append([*key, "status", a["status"], b["status"], "", "WORSE" if a["status"] == "ok" else "better"])
            counts["worse" if a["status"] == "ok" else "better"] += 1
        fa, fb = hf.deterministic(a), hf.deterministic(b)
        for m in [m for m in hf.METRICS if (m in fa) != (m in fb)]:
            one_side[m.split(".")[0]] = "A" if m in fa else "B"
        for m in [m for m in hf.METRICS if m in fa and m in fb]:
            va, vb = fa.get(m), fb.get(m)
            if va == vb:
                counts["same"] += 1
                if args.all:
                    det_rows.append([*key, m, hf.fmt(va), hf.fmt(vb), "", "same"])
                continue
            if va is None or vb is None:
                state = "changed"
            else:
                state = "WORSE" if vb > va else "better"
            counts[state.lower()] += 1
            det_rows.append([*key, m, hf.fmt(va), hf.fmt(vb), hf.relative(va, vb), state])
        sa, sb = a.get("speed"), b.get("speed")
        if not sa or not sb:
            continue
        flags = [f for f, on in (("busy", sa.get("busy") or sb.get("busy")),
                                 ("emulator", "emulator" in (sa.get("timing"), sb.get("timing")))) if on]
        for op, reps in (("alloc", "alloc_reps"), ("free", "free_reps")):
            ma, mb, p, verdict = judge_timing(sa.get(reps) or [], sb.get(reps) or [], args.alpha, args.min_effect)
            word = verdict.split()[0].split(":")[0]
            tcounts[word] = tcounts.get(word, 0) + 1
            if word == "same" and not args.all:
                continue
            time_rows.append([*key, f"ns/{op} (raw)", hf.fmt(ma), hf.fmt(mb), hf.relative(ma, mb),
                              "-" if p is None else f"{p:.4f}", verdict, " ".join(flags)])
    print(f"deterministic figures: {counts['same']} same, {counts['worse']} worse, {counts['better']} better, "
          f"{counts['changed']} appeared or vanished")
    for part, side in sorted(one_side.items()):
        print(f"{part}: measured only in {side} for some records (not compared)")
    if det_rows:
        print(hf.table(det_rows, ["heap", "workload", "metric", "A", "B", "change", ""]))
    if tcounts:
        print(f"timings (Mann-Whitney U over the repetitions, alpha {args.alpha}, minimum effect "
              f"{args.min_effect * 100:g} %): " + ", ".join(f"{n} {w}" for w, n in sorted(tcounts.items())))
        if time_rows:
            print(hf.table(time_rows, ["heap", "workload", "timing", "A median", "B median", "change", "p", "verdict",
                                       "flags"], left=3))
        for name, env in (("A", ea), ("B", eb)):
            if (env.get("load_per_cpu") or 0) > 1:
                print(f"busy machine: {name} started at {busy_note(env)} (more than one runnable task per CPU): "
                      "its timings are unreliable")
    for line in hf.group_by_heap(new):
        print(f"new on {target} (only in B): {line}")
    for line in hf.group_by_heap(missing):
        print(f"missing on {target} (only in A): {line}")
    print()


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description="Compare two heapbench run folders, figure by figure.")
    ap.add_argument("runs", nargs="*", metavar="RUN", help="A and B (default: the run before results/latest, and latest)")
    ap.add_argument("--results", default="results", help="where run folders are (default: results)")
    ap.add_argument("--all", action="store_true", help="print every figure, not only the changed ones")
    ap.add_argument("--alpha", type=float, default=ALPHA, help="significance level of the U test (default 0.05)")
    ap.add_argument("--min-effect", type=float, default=MIN_EFFECT,
                    help="smallest relative change of a median timing that counts (default 0.05)")
    args = ap.parse_args(argv)
    if len(args.runs) not in (0, 2):
        ap.print_usage(sys.stderr)
        print("compare.py: give two run folders A and B, or none (the run before latest, and latest)", file=sys.stderr)
        return 2
    try:
        a, b = args.runs if args.runs else previous_complete(args.results)
        runs = [(p, hf.load_run(p)) for p in (a, b)]
    except hf.RunError as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2
    (pa, da), (pb, db) = runs
    print(f"compare: A = {pa}, B = {pb}")
    for p in (pa, pb):
        if os.path.exists(os.path.join(p, "INCOMPLETE")):
            print(f"note: {p} is INCOMPLETE: its figures may be partial")
    for t in sorted(set(da) & set(db)):
        compare_target(t, da[t], db[t], args)
    for t in sorted(set(db) - set(da)):
        print(f"new: target {t}: only in B")
    for t in sorted(set(da) - set(db)):
        print(f"missing: target {t}: only in A")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
