"""hbfigures.py - the figures of heapbench run folders, as the comparison tools see them.

Shared by tools/compare.py (two runs side by side), tools/gate.py (a run
against the committed baseline) and tools/history.py (figures over
commits).  It reads only the JSON of a run folder (schema
heapbench-results/2, docs/results-schema.md), never hb-bench's output.

A run folder holds one <target>.json per target.  Each result record
(heap x workload) yields rows of figures, named "<part>.<field>":

  - deterministic figures, identical from run to run for one build, seed
    and stats interval: path length (exact guest instruction counts under
    QEMU), fragmentation and metadata.  They are compared exactly.  Every
    one is "worse when higher" (a count of instructions, bytes, failures,
    or a ratio of waste); DETERMINISTIC maps each to its default gate
    threshold: 0 (any increase is a regression) or a relative fraction.
  - timings: the speed meter's repetitions (speed.alloc, speed.free), noisy,
    compared with a rank test (compare.py).

Costs: one pass over each JSON; figures are kept as plain dicts.
"""
import json
import os

SCHEMA = "heapbench-results/2"

# Deterministic figures and their default gate threshold (relative: 0.01 =
# worse by more than 1 %; 0 = any increase).  Path-length maxima and medians
# gate on any increase; its p99 and mean, fragmentation and metadata on 1 %.
PL_FIELDS = (("median", 0.0), ("max", 0.0), ("own_max", 0.0), ("mm_max", 0.0), ("p99", 0.01), ("mean", 0.01))
FRAG_FIELDS = ("footprint_ratio", "ext_frag_mean", "ext_frag_max", "ext_frag_at_peak", "peak_pool_bytes", "nulls")
META_FIELDS = ("meta_bytes_peak", "meta_bytes_end", "header_bytes_per_alloc", "padding_bytes_per_alloc",
               "rounding_bytes_per_alloc", "header_bytes_at_peak", "padding_bytes_at_peak",
               "stats_identity_violations")

DETERMINISTIC = {}
for _op in ("alloc", "free"):
    for _f, _t in PL_FIELDS:
        DETERMINISTIC[f"pathlen.{_op}.{_f}"] = _t
DETERMINISTIC["pathlen.nulls"] = 0.0
DETERMINISTIC["pathlen.peak_pool_bytes"] = 0.01
for _f in FRAG_FIELDS:
    DETERMINISTIC[f"fragmentation.{_f}"] = 0.01
DETERMINISTIC["fragmentation.catastrophic"] = 0.0
for _f in META_FIELDS:
    DETERMINISTIC[f"metadata.{_f}"] = 0.01
METRICS = tuple(DETERMINISTIC)

# Settings that change deterministic figures: a baseline measured with
# other values is not comparable figure by figure.
SETTINGS = ("seed", "compiler", "flags", "build_type", "word_bytes", "page_size", "default_align", "initial_bytes")


class RunError(Exception):
    """A run folder or file that cannot be read: the message names it."""


def load_target(path):
    """One <target>.json: the parsed document, checked for its schema."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise RunError(f"{path}: cannot read: {e}") from e
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise RunError(f"{path}: not a {SCHEMA} result file (schema {doc.get('schema') if isinstance(doc, dict) else None!r})")
    for key in ("environment", "results"):
        if key not in doc:
            raise RunError(f"{path}: no '{key}'")
    return doc


def load_run(folder):
    """A run folder: {target: document} of its <target>.json files."""
    if not os.path.isdir(folder):
        raise RunError(f"{folder}: not a run folder")
    docs = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json") and "-" not in name:
            doc = load_target(os.path.join(folder, name))
            docs[doc["environment"].get("target", name[:-5])] = doc
    if not docs:
        raise RunError(f"{folder}: no <target>.json result file")
    return docs


def deterministic(rec):
    """{metric: value} of one result record (None: the figure does not exist)."""
    out = {}
    pl = rec.get("pathlen")
    if pl:
        for op in ("alloc", "free"):
            for f, _ in PL_FIELDS:
                out[f"pathlen.{op}.{f}"] = pl[op].get(f)
        out["pathlen.nulls"] = pl.get("nulls")
        out["pathlen.peak_pool_bytes"] = pl.get("peak_pool_bytes")
    fr = rec.get("fragmentation")
    if fr:
        for f in FRAG_FIELDS:
            out[f"fragmentation.{f}"] = fr.get(f)
        out["fragmentation.catastrophic"] = 0 if fr.get("catastrophic") is None else 1
    md = rec.get("metadata")
    if md:
        for f in META_FIELDS:
            out[f"metadata.{f}"] = md.get(f)
    return out


def records(doc):
    """{(heap, workload): record} of one target's document."""
    return {(r["heap"], r["workload"]): r for r in doc["results"]}


def failure_text(rec):
    f = rec.get("failure") or {}
    return f"{rec['status']}: {f.get('meter', '?')} {f.get('kind', '?')}: {f.get('detail', '')}".strip()


def fmt(v):
    """A figure as the tables and the baseline files print it."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return str(int(v))
    return f"{v:.6g}"


def relative(old, new):
    """new / old - 1 as a signed percentage string ('+inf' from 0)."""
    if old is None or new is None:
        return ""
    if old == 0:
        return "+inf" if new > 0 else ("-inf" if new < 0 else "0")
    return f"{(new / old - 1) * 100:+.2f} %"


def worse(metric, old, new, thresholds=None):
    """True when new is worse than old beyond the metric's threshold."""
    if old is None or new is None:
        return False
    t = (thresholds or DETERMINISTIC).get(metric, DETERMINISTIC.get(metric, 0.0))
    return new > old + t * abs(old)


def table(rows, header, left=3):
    """Rows of strings as aligned columns (the first `left` columns left-aligned, the others right)."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        cells = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def group_by_heap(keys):
    """(heap, workload) keys as one line per heap: 'tlsf: churn, list' (at most 6 workloads named)."""
    heaps = {}
    for h, w in sorted(keys):
        heaps.setdefault(h, []).append(w)
    out = []
    for h, ws in heaps.items():
        named = ", ".join(ws[:6]) + (f" and {len(ws) - 6} more" if len(ws) > 6 else "")
        out.append(f"{h} ({len(ws)} workload{'s' if len(ws) > 1 else ''}: {named})")
    return out
