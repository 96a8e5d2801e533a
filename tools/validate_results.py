#!/usr/bin/env python3
"""validate_results.py - check a heapbench run folder against docs/results.schema.json.

    tools/validate_results.py RUN_DIR [TARGET]

Checks <target>.json against the schema (a self-contained validator of the
JSON Schema keywords the schema uses: type, enum, required, properties,
additionalProperties, items, minimum, maximum), that every result names a
listed heap and workload, that <target>-gbench.json (when the environment
names it) is Google Benchmark JSON, and that the CSV views have their headers;
and every <target>-pathlen.json (path length) against the schema's
$defs.pathlen, with its CSV views.
Exit 0 when valid; otherwise 1 with one line per problem.
"""
import json
import os
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(v, s, path, errs):
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(TYPES[t](v) for t in types):
            errs.append(f"{path}: {json.dumps(v)[:60]} is not {' or '.join(types)}")
            return
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {json.dumps(v)} not one of {s['enum']}")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            errs.append(f"{path}: {v} < minimum {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            errs.append(f"{path}: {v} > maximum {s['maximum']}")
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errs.append(f"{path}: missing '{k}'")
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                validate(x, props[k], f"{path}.{k}", errs)
            elif s.get("additionalProperties") is False:
                errs.append(f"{path}: unexpected '{k}'")
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            validate(x, s["items"], f"{path}[{i}]", errs)


def check_csv_headers(run, target, views, errs):
    """Each <target>-<view>.csv of the run exists and starts with its header."""
    for view, first in views:
        cp = os.path.join(run, f"{target}-{view}.csv")
        try:
            with open(cp) as f:
                if not f.readline().startswith(first):
                    errs.append(f"{cp}: bad header")
        except OSError as x:
            errs.append(f"{cp}: {x}")


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    schema = json.load(open(os.path.join(root, "docs", "results.schema.json")))
    targets = [sys.argv[2]] if len(sys.argv) > 2 else sorted(
        f[:-5] for f in os.listdir(run)
        if f.endswith(".json") and not f.endswith("-gbench.json") and not f.endswith("-pathlen.json"))
    if not targets and not any(f.endswith("-pathlen.json") for f in os.listdir(run)):
        print(f"{run}: no <target>.json", file=sys.stderr)
        return 1
    errs = []
    for t in targets:
        p = os.path.join(run, f"{t}.json")
        try:
            doc = json.load(open(p))
        except (OSError, ValueError) as e:
            errs.append(f"{p}: {e}")
            continue
        e = []
        validate(doc, schema, t, e)
        if not e:
            heaps = {h["name"] for h in doc["heaps"]}
            wls = {w["name"] for w in doc["workloads"]}
            for i, r in enumerate(doc["results"]):
                if r["heap"] not in heaps or r["workload"] not in wls:
                    e.append(f"{t}.results[{i}]: unknown heap or workload {r['heap']}/{r['workload']}")
            if doc["environment"]["target"] != t:
                e.append(f"{t}: environment.target is {doc['environment']['target']}")
            gb = doc["environment"]["gbench_json"]
            if gb:
                try:
                    g = json.load(open(os.path.join(run, gb)))
                    if "benchmarks" not in g or "context" not in g:
                        e.append(f"{gb}: not Google Benchmark JSON (no benchmarks/context)")
                except (OSError, ValueError) as x:
                    e.append(f"{gb}: {x}")
        check_csv_headers(run, t, (("speed", "target,timing,heap"), ("quality", "target,heap,workload"),
                                   ("extfrag", "target,heap,workload,op")), e)
        errs += [f"{p}: {m}" for m in e]
    for f in sorted(os.listdir(run)):
        if not f.endswith("-pathlen.json") or (len(sys.argv) > 2 and f != f"{sys.argv[2]}-pathlen.json"):
            continue
        t = f[: -len("-pathlen.json")]
        p = os.path.join(run, f)
        e = []
        try:
            doc = json.load(open(p))
            validate(doc, schema["$defs"]["pathlen"], f"{t}-pathlen", e)
        except (OSError, ValueError) as x:
            e.append(str(x))
        check_csv_headers(run, t, (("pathlen", "target,heap,workload,family,op,calls,min,median,p99,max"),
                                   ("pathlen-hist", "target,heap,workload,op,lo,hi,count")), e)
        errs += [f"{p}: {m}" for m in e]
        targets.append(f"{t} (path length)")
    for m in errs:
        print(m)
    if not errs:
        print(f"{run}: {', '.join(targets)} valid against docs/results.schema.json")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
