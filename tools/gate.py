#!/usr/bin/env python3
"""gate.py - the regression gate: a run's deterministic figures against a committed baseline.

    tools/gate.py check BASELINE RUN [--targets T,..] [--heaps H,..] [--workloads W,..] [--threshold M=F ...]
    tools/gate.py write BASELINE RUN

The baseline is a folder (results/baseline/, or one per plug-in) of one
file per target, <target>.csv: a header "heap,workload,status,<metric>..."
and one line per heap x workload, sorted, holding only the deterministic
figures (hbfigures.DETERMINISTIC: path length, fragmentation, metadata) in
a canonical text form ("-": the figure does not exist), so a change of the
baseline is a readable diff of the lines that changed.  settings.json
beside them records what the figures depend on (seed, compiler, flags, ...)
and the commit they were measured at.

check: compares each figure of RUN (a run folder of `make regress` or
`make bench`) with the baseline, in the canonical form.  A figure is a
REGRESSION when it is worse (higher) than the baseline beyond its
threshold: by default any increase of a path-length median or maximum,
more than 1 % for every other figure (hbfigures.DETERMINISTIC;
--threshold pathlen.alloc.p99=0.05 overrides one).  A record that was ok
and now failed or is invalid is a regression; a heap x workload of the
baseline that the run should have measured but did not is "missing" and
fails too; one the baseline does not have is "new" (reported, not a
failure).  Improvements and changes within the threshold are printed and
suggest `make baseline`.  Baseline lines outside --targets, --heaps and
--workloads (a narrowed run) are not judged, and counted.  Every printed
line names heap, workload, target, metric, old and new.
Exit: 0 no regression, 1 a regression or a missing figure, 2 bad usage or
unreadable input.

write: rewrites the baseline from RUN (every record must be ok), then
prints what changed against the previous baseline.  Each file is written
to a temporary name and renamed.

Costs: linear in the number of figures (a few thousand per target).
"""
import argparse
import csv
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hbfigures as hf  # noqa: E402


def parse_value(text):
    if text == "-":
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def canonical(v):
    """A figure as the baseline stores it, read back: the form both sides are compared in."""
    return parse_value(hf.fmt(v))


def run_rows(doc):
    """{(heap, workload): {"status": s, metric: value}} of one target's document (kernel heaps only)."""
    rows = {}
    for (heap, wl), rec in hf.records(doc).items():
        figs = hf.deterministic(rec)
        if not figs and rec["status"] == "ok":
            continue  # malloc and (empty) have timings only
        row = {"status": rec["status"]}
        row.update((m, canonical(v)) for m, v in figs.items())
        if rec["status"] != "ok":
            row["failure"] = hf.failure_text(rec)
        rows[(heap, wl)] = row
    return rows


def read_baseline(folder):
    """({target: {(heap, workload): row}}, settings) of a baseline folder."""
    if not os.path.isdir(folder):
        raise hf.RunError(f"{folder}: no baseline folder (make baseline writes one)")
    base = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".csv"):
            continue
        path = os.path.join(folder, name)
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if not header or header[:3] != ["heap", "workload", "status"]:
                raise hf.RunError(f"{path}:1: not a baseline file (header must start heap,workload,status)")
            unknown = [m for m in header[3:] if m not in hf.DETERMINISTIC]
            if unknown:
                raise hf.RunError(f"{path}:1: unknown metric(s) {', '.join(unknown)}")
            rows = {}
            for lineno, cells in enumerate(reader, start=2):
                if len(cells) != len(header):
                    raise hf.RunError(f"{path}:{lineno}: {len(cells)} fields, the header has {len(header)}")
                try:
                    row = {"status": cells[2]}
                    row.update((m, parse_value(c)) for m, c in zip(header[3:], cells[3:]) if c != "")
                except ValueError as e:
                    raise hf.RunError(f"{path}:{lineno}: not a number: {e}") from e
                rows[(cells[0], cells[1])] = row
        base[name[:-4]] = rows
    if not base:
        raise hf.RunError(f"{folder}: no <target>.csv baseline file (make baseline writes them)")
    settings = {}
    sp = os.path.join(folder, "settings.json")
    if os.path.exists(sp):
        try:
            with open(sp) as f:
                settings = json.load(f)
        except ValueError as e:
            raise hf.RunError(f"{sp}: {e}") from e
    return base, settings


def split_list(text):
    return None if text is None else {x for x in text.replace(" ", ",").split(",") if x}


def judge(base, run, sel, thresholds):
    """Lines of (verdict, heap, workload, target, metric, old, new, change) and counts."""
    lines, counts = [], {"regressions": 0, "missing": 0, "improved": 0, "within": 0, "new": 0, "unjudged": 0}
    for target in sorted(set(base) | set(run)):
        brows, rrows = base.get(target, {}), run.get(target)
        for key in sorted(set(brows) | set(rrows or {})):
            heap, wl = key
            in_sel = ((sel["targets"] is None or target in sel["targets"]) and
                      (sel["heaps"] is None or heap in sel["heaps"]) and
                      (sel["workloads"] is None or wl in sel["workloads"]))
            old, new = brows.get(key), (rrows or {}).get(key)
            if old is None:
                counts["new"] += 1
                lines.append(("new", heap, wl, target, "-", "-", "measured", "not in the baseline"))
                continue
            if new is None:
                if not in_sel:
                    counts["unjudged"] += 1
                    continue
                counts["missing"] += 1
                why = "target not run" if rrows is None else "not measured"
                lines.append(("MISSING", heap, wl, target, "-", "in the baseline", why, ""))
                continue
            if new["status"] != old["status"]:
                bad = old["status"] == "ok"
                counts["regressions" if bad else "improved"] += 1
                lines.append(("REGRESSION" if bad else "improved", heap, wl, target, "status", old["status"],
                              new["status"], new.get("failure", "")))
                continue
            for m in [m for m in hf.METRICS if m in old or m in new]:
                if m not in new:
                    counts["missing"] += 1
                    lines.append(("MISSING", heap, wl, target, m, hf.fmt(old[m]), "not measured", ""))
                    continue
                if m not in old:
                    counts["new"] += 1
                    lines.append(("new", heap, wl, target, m, "-", hf.fmt(new[m]), "not in the baseline"))
                    continue
                o, n = old[m], new[m]
                if o == n:
                    continue
                if o is None or n is None:
                    state = "changed"
                elif hf.worse(m, o, n, thresholds):
                    state = "REGRESSION"
                elif n > o:
                    state = "worse, within threshold"
                else:
                    state = "improved"
                counts[{"REGRESSION": "regressions", "improved": "improved"}.get(state, "within")] += 1
                lines.append((state, heap, wl, target, m, hf.fmt(o), hf.fmt(n), hf.relative(o, n)))
    return lines, counts


def print_lines(lines, collapse_new=True):
    order = {"REGRESSION": 0, "MISSING": 1, "worse, within threshold": 2, "changed": 3, "improved": 4, "new": 5}
    shown = [line for line in lines if not (collapse_new and line[0] == "new")]  # new ones are summed up below
    shown.sort(key=lambda x: (order.get(x[0], 9), x[3], x[1], x[2], x[4]))
    if shown:
        print(hf.table([list(x) for x in shown], ["", "heap", "workload", "target", "metric", "old", "new", "change"],
                       left=5))
    news, new_figs = {}, {}
    for x in lines:
        if x[0] == "new" and collapse_new and x[4] == "-":
            news.setdefault(x[3], set()).add((x[1], x[2]))
        elif x[0] == "new" and collapse_new:
            new_figs.setdefault(x[3], {}).setdefault(x[4], 0)
            new_figs[x[3]][x[4]] += 1
    for target, keys in sorted(news.items()):
        for line in hf.group_by_heap(keys):
            print(f"new on {target} (not in the baseline): {line}")
    for target, figs in sorted(new_figs.items()):
        print(f"new figures on {target} (not in the baseline): " +
              ", ".join(f"{m} ({n} records)" for m, n in sorted(figs.items())))


def settings_of(docs):
    out = {}
    for t, d in docs.items():
        env = d["environment"]
        out[t] = {k: env.get(k) for k in hf.SETTINGS + ("commit", "started")}
    return out


def settings_warnings(old, new):
    for t in sorted(set(old) & set(new)):
        for k in hf.SETTINGS:
            if old[t].get(k) != new[t].get(k):
                print(f"note: {t}: {k} differs from the baseline's ({old[t].get(k)!r} -> {new[t].get(k)!r}): "
                      "figures may differ for that reason alone")


def cmd_check(args):
    base, bset = read_baseline(args.baseline)
    docs = hf.load_run(args.run)
    run = {t: run_rows(d) for t, d in docs.items()}
    thresholds = dict(hf.DETERMINISTIC)
    for t in args.threshold:
        m, _, frac = t.partition("=")
        if m not in hf.DETERMINISTIC:
            raise hf.RunError(f"--threshold {t}: unknown metric '{m}' (one of {', '.join(hf.METRICS)})")
        try:
            thresholds[m] = float(frac)
        except ValueError as e:
            raise hf.RunError(f"--threshold {t}: '{frac}' is not a fraction (0.01 = 1 %)") from e
    sel = {"targets": split_list(args.targets), "heaps": split_list(args.heaps),
           "workloads": split_list(args.workloads)}
    # A target the run did not select is not judged; one it selected but lacks is missing.
    if sel["targets"] is None:
        sel["targets"] = set(run)
    settings_warnings(bset, settings_of(docs))
    lines, c = judge(base, run, sel, thresholds)
    print_lines(lines)
    judged = sum(len(r) for r in run.values())
    print(f"regress: {args.run} against {args.baseline}: {judged} heap x workload records; "
          f"{c['regressions']} regression(s), {c['missing']} missing, {c['within']} worse within threshold, "
          f"{c['improved']} improved, {c['new']} new" +
          (f"; {c['unjudged']} baseline records outside this run's selection not judged" if c["unjudged"] else ""))
    if c["improved"] or c["new"] or c["within"]:
        print("regress: figures changed without a regression: `make baseline` records them as the new baseline")
    if c["regressions"] or c["missing"]:
        print("regress: FAILED: a figure got worse than the baseline beyond its threshold, or is missing "
              "(if on purpose: make baseline, and commit results/baseline/)")
        return 1
    print("regress: passed")
    return 0


def write_atomic(path, text):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def baseline_text(rows):
    metrics = [m for m in hf.METRICS if any(m in r for r in rows.values())]
    lines = [",".join(["heap", "workload", "status"] + metrics)]
    for (heap, wl) in sorted(rows):
        r = rows[(heap, wl)]
        lines.append(",".join([heap, wl, r["status"]] + [hf.fmt(r[m]) if m in r else "" for m in metrics]))
    return "\n".join(lines) + "\n"


def cmd_write(args):
    docs = hf.load_run(args.run)
    run = {t: run_rows(d) for t, d in docs.items()}
    bad = [(t, k, r) for t, rows in run.items() for k, r in rows.items() if r["status"] != "ok"]
    if bad:
        for t, k, r in bad:
            print(f"baseline: {k[0]} {k[1]} on {t}: {r.get('failure')}", file=sys.stderr)
        print(f"baseline: {args.run} has failed or invalid records; the baseline is not written", file=sys.stderr)
        return 1
    try:
        old, _ = read_baseline(args.baseline)
    except hf.RunError:
        old = {}
    os.makedirs(args.baseline, exist_ok=True)
    for t, rows in run.items():
        write_atomic(os.path.join(args.baseline, f"{t}.csv"), baseline_text(rows))
    settings = settings_of(docs)
    settings["written"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_atomic(os.path.join(args.baseline, "settings.json"), json.dumps(settings, indent=1, sort_keys=True) + "\n")
    sel = {"targets": set(run), "heaps": None, "workloads": None}
    lines, c = judge(old, run, sel, hf.DETERMINISTIC)
    if old:
        print_lines(lines)
    print(f"baseline: {args.baseline} rewritten from {args.run} ({', '.join(sorted(run))}): "
          f"{c['regressions']} figure(s) worse beyond threshold, {c['within']} worse within, {c['improved']} improved, "
          f"{c['new']} new, {c['missing']} dropped" + ("" if old else " (no previous baseline)"))
    return 0


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description="The regression gate of heapbench's deterministic figures.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="compare a run with the baseline; exit 1 on a regression")
    c.add_argument("baseline")
    c.add_argument("run")
    c.add_argument("--targets", help="targets the run selected (default: those it has)")
    c.add_argument("--heaps", help="heaps the run selected (default: all)")
    c.add_argument("--workloads", help="workloads the run selected (default: all)")
    c.add_argument("--threshold", action="append", default=[], metavar="METRIC=FRACTION",
                   help="override a default threshold (0 = any increase, 0.01 = 1 %%)")
    w = sub.add_parser("write", help="rewrite the baseline from a run and print what changed")
    w.add_argument("baseline")
    w.add_argument("run")
    args = ap.parse_args(argv)
    try:
        return cmd_check(args) if args.cmd == "check" else cmd_write(args)
    except hf.RunError as e:
        print(f"gate.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
