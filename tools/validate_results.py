#!/usr/bin/env python3
"""validate_results.py - check a heapbench run folder against docs/results.schema.json.

    tools/validate_results.py RUN_DIR [TARGET]

Checks every <target>.json against the schema (a self-contained validator
of the JSON Schema keywords the schema uses: type, enum, required,
properties, additionalProperties, items, minimum, maximum); that every
result names a listed heap and workload; that statuses, the failures list
and "complete" agree and an invalid heap has no figures; that an exact
minimum pool of n pages has a successful probe of n pages and a failed one
of n - 1 (or n - 1 below the heap's min_initial); that a fixed pool has no
footprint ratio; and that the CSV
views of the meters that ran have their headers.
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


CSV_VIEWS = (("speed", "target,timing,heap,kind,workload"), ("quality", "target,heap,workload,own_ops"),
             ("extfrag", "target,heap,workload,op"),
             ("pathlen", "target,heap,workload,family,op,calls,min,median,p99,max"),
             ("pathlen-hist", "target,heap,workload,op,lo,hi,count"))


def check_csv_headers(run, target, doc, errs):
    """Each CSV view of a meter that ran exists and starts with its header."""
    env = doc["environment"]
    ran = {"speed": any(r["speed"] for r in doc["results"]) or None,
           "quality": any(r["fragmentation"] for r in doc["results"]) or None,
           "pathlen": env["pathlen"] or None}
    for view, first in CSV_VIEWS:
        cp = os.path.join(run, f"{target}-{view}.csv")
        meter = "quality" if view == "extfrag" else view.split("-")[0]
        if not ran[meter] and not os.path.exists(cp):
            continue
        try:
            with open(cp) as f:
                if not f.readline().startswith(first):
                    errs.append(f"{cp}: bad header")
        except OSError as x:
            errs.append(f"{cp}: {x}")


def check_min_pool(where, r, page, errs):
    """An exact minimum pool of n pages: a probe of n succeeded and one of n - 1 failed (or n - 1 is below
    the heap's min_initial and was not run); no probe below n succeeded."""
    m = r["min_pool"]
    if not m or not m["found"]:
        return
    n, probes = m["pages"], {}
    for p in m["probes"]:
        probes.setdefault(p["pages"], set()).add(p["ok"])
    if probes.get(n) != {True}:
        errs.append(f"{where}: min_pool of {n} pages, but no probe of {n} pages succeeded")
    if m["bytes"] != n * page:
        errs.append(f"{where}: min_pool bytes {m['bytes']} is not {n} pages of {page} bytes")
    if not m["exact"]:
        return
    if m["lower_pages"] != n - 1:
        errs.append(f"{where}: an exact min_pool of {n} pages with lower_pages {m['lower_pages']}")
    if m["below"] == "failed" and probes.get(n - 1) != {False}:
        errs.append(f"{where}: min_pool of {n} pages, but no probe of {n - 1} pages failed")
    if m["below"] == "below min_initial" and n - 1 in probes:
        errs.append(f"{where}: min_pool below min_initial, yet {n - 1} pages were run")


def check_consistency(t, doc, errs):
    """What the schema cannot say: names resolve, failures and statuses agree."""
    heaps = {h["name"] for h in doc["heaps"]}
    wls = {w["name"] for w in doc["workloads"]}
    failed = set()
    for i, r in enumerate(doc["results"]):
        if r["heap"] not in heaps or r["workload"] not in wls:
            errs.append(f"{t}.results[{i}]: unknown heap or workload {r['heap']}/{r['workload']}")
        if (r["status"] == "ok") != (r["failure"] is None):
            errs.append(f"{t}.results[{i}]: status {r['status']} with failure {r['failure']}")
        if r["status"] == "invalid" and (r["speed"] or r["fragmentation"] or r["pathlen"]):
            errs.append(f"{t}.results[{i}]: an invalid heap has figures")
        if r["status"] != "ok":
            failed.add((r["heap"], r["workload"]))
        check_min_pool(f"{t}.results[{i}]", r, doc["environment"]["page_size"], errs)
        frag = r["fragmentation"]
        if frag and frag["fixed_pool"] and frag["footprint_ratio"] is not None:
            errs.append(f"{t}.results[{i}]: a fixed pool with a footprint ratio")
        init = r["initial_bytes"]
        if init is not None and init % doc["environment"]["page_size"]:
            errs.append(f"{t}.results[{i}]: initial_bytes {init} is not whole pages")
        if init is not None and frag and not frag["fixed_pool"] and (frag["peak_pool_bytes"] or 0) < init:
            errs.append(f"{t}.results[{i}]: peak pool {frag['peak_pool_bytes']} below its initial block {init}")
    listed = {(f["heap"], f["workload"]) for f in doc["failures"]}
    if listed != failed:
        errs.append(f"{t}: failures {sorted(listed)} differ from the failed results {sorted(failed)}")
    if doc["complete"] != (not failed):
        errs.append(f"{t}: complete is {doc['complete']} with {len(failed)} failed results")
    if doc["environment"]["target"] != t:
        errs.append(f"{t}: environment.target is {doc['environment']['target']}")


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    schema = json.load(open(os.path.join(root, "docs", "results.schema.json")))
    try:
        targets = [sys.argv[2]] if len(sys.argv) > 2 else sorted(
            f[:-5] for f in os.listdir(run) if f.endswith(".json") and not f.endswith("-gbench.json"))
    except OSError as x:
        print(f"{run}: {x}", file=sys.stderr)
        return 1
    if not targets:
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
            check_consistency(t, doc, e)
            check_csv_headers(run, t, doc, e)
        errs += [f"{p}: {m}" for m in e]
    for m in errs:
        print(m)
    if not errs:
        print(f"{run}: {', '.join(targets)} valid against docs/results.schema.json")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
