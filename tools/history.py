#!/usr/bin/env python3
"""history.py - the deterministic figures over commits, and their trend plots.

    tools/history.py append HISTORY RUN     append RUN's figures to HISTORY/<target>.jsonl
    tools/history.py trend HISTORY OUT      data, gnuplot script and PNGs of the figures over commits

HISTORY is a folder (results/history/, git-ignored: in CI it is an artifact
carried from build to build, docs/ci.md).  append adds one JSON line per
heap x workload of each target of RUN (a run folder of `make regress` or
`make bench`): "commit" (the run's environment.commit; "-dirty" marks an
uncommitted tree), "date" (the run's start, UTC), "run" (the folder's
name), "heap", "workload", and every deterministic figure of the record
(hbfigures.DETERMINISTIC).  The same run folder is never appended twice.

trend keeps, per commit, the newest line of each target x heap x workload
(commits in the order they were first measured), and draws, per target and
heap, one PNG (OUT/trend-<target>-<heap>.png) with one panel per headline
figure: path length (alloc max, alloc median, free max, free median) on
the cross targets, fragmentation and metadata (footprint ratio, mean
external fragmentation, metadata bytes at peak) where measured.  Each panel
shows, over commits, the worst value over the workloads and the median
over the workloads, so a step up in either is a change somewhere.
OUT/trend-<target>-<heap>.dat holds the numbers (one gnuplot block per
figure) and OUT/trend.gp the script.  At least two commits are needed.

Costs: append is linear in the run's records; trend reads the whole
history once (a few hundred lines per run).
"""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hbfigures as hf  # noqa: E402

HEADLINE = {
    "pathlen": ("pathlen.alloc.max", "pathlen.alloc.median", "pathlen.free.max", "pathlen.free.median"),
    "quality": ("fragmentation.footprint_ratio", "fragmentation.ext_frag_mean", "metadata.meta_bytes_peak"),
}


def append(history, run):
    docs = hf.load_run(run)
    os.makedirs(history, exist_ok=True)
    run_id = os.path.basename(os.path.normpath(run))
    n = 0
    for target, doc in sorted(docs.items()):
        env = doc["environment"]
        path = os.path.join(history, f"{target}.jsonl")
        key = (env.get("commit"), env.get("started"))
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    d = json.loads(line)
                    if (d["commit"], d["date"]) == key:
                        print(f"history: {run} ({target}, {key[1]}) is already in {path}", file=sys.stderr)
                        break
                else:
                    d = None
            if d is not None:
                continue
        lines = []
        for (heap, wl), rec in sorted(hf.records(doc).items()):
            figs = hf.deterministic(rec)
            if rec["status"] != "ok" or not figs:
                continue
            lines.append(json.dumps({"commit": key[0], "date": key[1], "run": run_id, "heap": heap, "workload": wl,
                                     **figs}, sort_keys=True))
        with open(path, "a") as f:
            f.write("".join(line + "\n" for line in lines))
        n += len(lines)
    print(f"history: {n} heap x workload lines of {run} appended to {history}/")
    return 0


def read_history(history):
    """{target: [line dict, ...]} in file order."""
    out = {}
    if not os.path.isdir(history):
        raise hf.RunError(f"{history}: no history yet (make regress or make bench appends to it)")
    for name in sorted(os.listdir(history)):
        if name.endswith(".jsonl"):
            path = os.path.join(history, name)
            with open(path) as f:
                try:
                    out[name[:-6]] = [json.loads(line) for line in f if line.strip()]
                except ValueError as e:
                    raise hf.RunError(f"{path}: {e}") from e
    return out


def series(lines):
    """(commits in order, {heap: {metric: [(worst, median) per commit]}}) of one target."""
    commits, latest = [], {}
    for d in sorted(lines, key=lambda d: d["date"]):
        if d["commit"] not in commits:
            commits.append(d["commit"])
        latest[(d["commit"], d["heap"], d["workload"])] = d
    heaps = sorted({h for _, h, _ in latest})
    out = {}
    for h in heaps:
        out[h] = {}
        for metric in HEADLINE["pathlen"] + HEADLINE["quality"]:
            pts = []
            for c in commits:
                vals = sorted(d[metric] for (cc, hh, _), d in latest.items()
                              if cc == c and hh == h and d.get(metric) is not None)
                pts.append((vals[-1], vals[len(vals) // 2]) if vals else None)
            if any(pts):
                out[h][metric] = pts
    return commits, out


GP_HEAD = """# trend.gp - heapbench figures over commits (written by tools/history.py trend).
# gnuplot -e "dat='trend-x86-tlsf.dat'; png='trend-x86-tlsf.png'; title='x86 tlsf'; n=4; ncommits=3" trend.gp
set terminal pngcairo size 1100,320*ceil(n/2.0) font ",9"
set output png
set multiplot layout ceil(n/2.0),2 title title
set style data linespoints
set key top left
set grid ytics
set xtics rotate by -30 font ",8"
set offsets 0.2, 0.2, 0, 0
set yrange [0:*]
do for [i=0:n-1] {
  set title columnheader(1) noenhanced
  plot dat index i using 0:2:xtic(1) title "worst workload" lw 2 lc rgb "#c0392b" pt 7, \\
       dat index i using 0:3 title "median workload" lw 2 lc rgb "#2471a3" pt 5
}
unset multiplot
"""


def trend(history, out):
    data = read_history(history)
    os.makedirs(out, exist_ok=True)
    gp = os.path.join(out, "trend.gp")
    with open(gp, "w") as f:
        f.write(GP_HEAD)
    made, few = [], []
    for target, lines in sorted(data.items()):
        commits, per_heap = series(lines)
        if len(commits) < 2:
            few.append(f"{target} ({len(commits)} commit)")
            continue
        for heap, metrics in per_heap.items():
            stem = os.path.join(out, f"trend-{target}-{heap}".replace("(", "").replace(")", ""))
            blocks = []
            for metric, pts in metrics.items():
                rows = [f'"{metric}" worst median']
                rows += [f"{c[:12]} {hf.fmt(p[0])} {hf.fmt(p[1])}" if p else f"{c[:12]} NaN NaN"
                         for c, p in zip(commits, pts)]
                blocks.append("\n".join(rows))
            with open(stem + ".dat", "w") as f:
                f.write("\n\n\n".join(blocks) + "\n")
            cmd = ["gnuplot", "-e", f"dat='{stem}.dat'; png='{stem}.png'; title='{target} {heap}: "
                   f"over {len(commits)} commits'; n={len(blocks)}", gp]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise hf.RunError(f"gnuplot failed on {stem}.dat: {r.stderr.strip()[:400]}")
            made.append(stem + ".png")
    if few:
        print(f"trend: fewer than two commits in the history of {', '.join(few)}: no trend drawn there")
    if not made:
        print(f"trend: nothing to draw: {history} needs figures of at least two commits "
              "(make regress on two commits)", file=sys.stderr)
        return 1
    print(f"trend: {len(made)} plots in {out}/ (trend-<target>-<heap>.png), e.g. {made[0]}")
    return 0


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if len(argv) != 3 or argv[0] not in ("append", "trend"):
        print("usage: tools/history.py append HISTORY RUN | trend HISTORY OUT", file=sys.stderr)
        return 2
    try:
        return append(argv[1], argv[2]) if argv[0] == "append" else trend(argv[1], argv[2])
    except hf.RunError as e:
        print(f"history.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
