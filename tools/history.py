#!/usr/bin/env python3
"""history.py - the deterministic figures over commits, and their trend plots.

    tools/history.py append HISTORY RUN     append RUN's figures to HISTORY/<target>.csv
    tools/history.py trend HISTORY OUT      data, gnuplot script and PNGs of the figures over commits

HISTORY is a folder (results/history/, git-ignored: in CI it is an artifact
carried from build to build, docs/ci.md) of one CSV file per target,
<target>.csv.  append adds one line per heap x workload of each target of
RUN (a run folder of `make regress` or `make bench`): commit (the run's
environment.commit; "-dirty" marks an uncommitted tree), date (the run's
start, UTC), run (the folder's name), heap, workload, and every
deterministic figure of the record (hbfigures.DETERMINISTIC; empty: not
measured), about 80 kB per quick run.  The same run is never appended
twice; a file whose columns are not today's is rewritten with them first.

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
import csv
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


COLUMNS = ("commit", "date", "run", "heap", "workload") + hf.METRICS


def read_file(path):
    """The lines of one history file as dicts (figures as numbers, absent ones left out)."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or tuple(header[:5]) != COLUMNS[:5]:
            raise hf.RunError(f"{path}:1: not a history file (header must start {','.join(COLUMNS[:5])})")
        out = []
        for lineno, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                raise hf.RunError(f"{path}:{lineno}: {len(cells)} fields, the header has {len(header)}")
            d = dict(zip(header[:5], cells[:5]))
            try:
                d.update((m, float(c)) for m, c in zip(header[5:], cells[5:]) if c not in ("", "-"))
            except ValueError as e:
                raise hf.RunError(f"{path}:{lineno}: {e}") from e
            out.append(d)
        return out, header


def row_text(d):
    return ",".join(hf.fmt(d[c]) if c in d and c not in COLUMNS[:5] else str(d.get(c, "")) for c in COLUMNS)


def append(history, run):
    docs = hf.load_run(run)
    os.makedirs(history, exist_ok=True)
    run_id = os.path.basename(os.path.normpath(run))
    n = 0
    for target, doc in sorted(docs.items()):
        env = doc["environment"]
        path = os.path.join(history, f"{target}.csv")
        key = (env.get("commit") or "unknown", env.get("started") or "")
        old, header = read_file(path) if os.path.exists(path) else ([], list(COLUMNS))
        if any((d["commit"], d["date"]) == key for d in old):
            print(f"history: {run} ({target}, {key[1]}) is already in {path}", file=sys.stderr)
            continue
        lines = []
        for (heap, wl), rec in sorted(hf.records(doc).items()):
            figs = hf.deterministic(rec)
            if rec["status"] == "ok" and figs:
                lines.append(row_text({"commit": key[0], "date": key[1], "run": run_id, "heap": heap,
                                       "workload": wl, **{m: v for m, v in figs.items() if v is not None}}))
        if tuple(header) != COLUMNS:  # the figures changed: the file is rewritten with today's columns
            text = ",".join(COLUMNS) + "\n" + "".join(row_text(d) + "\n" for d in old)
            tmp = f"{path}.tmp.{os.getpid()}"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
        with open(path, "a") as f:
            if f.tell() == 0:
                f.write(",".join(COLUMNS) + "\n")
            f.write("".join(line + "\n" for line in lines))
        n += len(lines)
    print(f"history: {n} heap x workload lines of {run} appended to {history}/")
    return 0


def read_history(history):
    """{target: [line dict, ...]} in file order."""
    if not os.path.isdir(history):
        raise hf.RunError(f"{history}: no history yet (make regress or make bench appends to it)")
    return {name[:-4]: read_file(os.path.join(history, name))[0]
            for name in sorted(os.listdir(history)) if name.endswith(".csv")}


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
                pts.append((vals[-1], vals[(len(vals) - 1) // 2]) if vals else None)  # the lower median
            if any(pts):
                out[h][metric] = pts
    return commits, out


def spans_decades(pts):
    """A panel whose values are all positive and span more than a factor 20 is drawn on a log axis."""
    vals = [v for p in pts if p for v in p]
    return bool(vals) and min(vals) > 0 and max(vals) / min(vals) > 20


GP_HEAD = """# trend.gp - heapbench figures over commits (written by tools/history.py trend).
# gnuplot -e "dat='trend-x86-tlsf.dat'; png='trend-x86-tlsf.png'; title='x86 tlsf'; names='a b'; logs='1 0'; n=2" trend.gp
# (logs: 1 draws that panel on a log axis)
set terminal pngcairo size 1100,320*ceil(n/2.0) font ",9"
set output png
set multiplot layout ceil(n/2.0),2 title title
set style data linespoints
set key below horizontal
set grid ytics
set xtics rotate by -30 font ",8"
set offsets 0.2, 0.2, 0, 0
do for [i=0:n-1] {
  set title word(names, i+1) noenhanced
  if (word(logs, i+1) eq "1") { set logscale y; set yrange [*:*] } else { unset logscale y; set yrange [0:*] }
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
            blocks, logs = [], []
            for metric, pts in metrics.items():
                logs.append("1" if spans_decades(pts) else "0")
                rows = [f"# {metric}: commit worst median"]
                rows += [f"{c[:12]} {hf.fmt(p[0])} {hf.fmt(p[1])}" if p else f"{c[:12]} NaN NaN"
                         for c, p in zip(commits, pts)]
                blocks.append("\n".join(rows))
            with open(stem + ".dat", "w") as f:
                f.write("\n\n\n".join(blocks) + "\n")
            cmd = ["gnuplot", "-e", f"dat='{stem}.dat'; png='{stem}.png'; title='{target} {heap}: "
                   f"over {len(commits)} commits'; names='{' '.join(metrics)}'; logs='{' '.join(logs)}'; n={len(blocks)}", gp]
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
