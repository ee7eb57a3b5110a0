#!/usr/bin/env python3
"""seeds.py: seed corpora for the fuzz harnesses, taken from the
conformance data at build time (the data is never copied into the tree).

    python3 tests/fuzz/seeds.py CONFORMANCE-DIR OUT-DIR

writes OUT-DIR/TARGET/NAME files, each one input of the harness
tests/fuzz/TARGET.c (see the comment at its top for the layout), named
by a digest of its contents.  A missing conformance directory gives
empty corpora (the hand-written seeds of tests/fuzz/seeds/ remain).
"""
import hashlib
import json
import os
import sys

TARGETS = ("pattern", "rules", "asl", "jpath", "intrinsic", "transform",
           "filterpat", "rapi", "jsonata")
PER_TARGET = 400    # enough to seed; the fuzzer minimises nothing here


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def records(path):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
    except FileNotFoundError:
        return


def walk(v):
    """Every (key, value) pair of objects nested in V."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield k, x
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)


PATH_KEYS = ("InputPath", "OutputPath", "ResultPath", "ItemsPath",
             "Variable", "SecondsPath", "TimestampPath", "ErrorPath",
             "CausePath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
             "MaxConcurrencyPath")


def sfn_strings(defn):
    """The paths and intrinsic calls written in a definition."""
    paths, calls = set(), set()
    for k, x in walk(defn):
        if not isinstance(x, str):
            continue
        if k in PATH_KEYS or k.endswith("Path") or k.endswith(".$"):
            if x.startswith("States."):
                calls.add(x)
            elif x.startswith("$"):
                paths.add(x)
    return paths, calls


TRANSFORMER = {
    "Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q",
    "InputTransformer": {
        "InputPathsMap": {"src": "$.source", "d": "$.detail",
                          "r0": "$.resources[0]", "t": "$.time"},
        "InputTemplate": "{\"from\": <src>, \"detail\": <d>, "
                         "\"first\": \"<r0>\", \"at\": <t>, "
                         "\"rule\": <aws.events.rule-name>}"}}


def eventbridge(conf, out):
    for c in records(os.path.join(conf, "eventbridge-patterns.ndjson")):
        text = c.get("pattern_text")
        if text is None:
            text = compact(c["pattern"])
        out["pattern"].add(text)
        if "event" not in c:
            continue
        ev = compact(c["event"])
        rule = {"Name": "r1", "EventPattern": text, "Targets": [TRANSFORMER]}
        out["rules"].add(compact([rule]) + "\n" + ev + "\n")
        out["transform"].add(compact(TRANSFORMER) + "\n" + ev + "\n")
        out["transform"].add(compact({"Id": "t", "Arn": "a",
                                      "InputPath": "$.detail"}) +
                             "\n" + ev + "\n")
    for c in records(os.path.join(conf, "sns-filter-policy.ndjson")):
        if isinstance(c.get("policy"), dict):
            out["pattern"].add(compact(c["policy"]))


def stepfunctions(conf, out):
    for c in records(os.path.join(conf, "stepfunctions-cases.ndjson")):
        d = c.get("definition")
        if not isinstance(d, dict):
            continue
        out["asl"].add(compact(d))
        doc = compact(c.get("input", {}))
        paths, calls = sfn_strings(d)
        for p in paths:
            if "\n" not in p:
                out["jpath"].add(p + "\n" + doc)
        for f in calls:
            if "\n" not in f:
                out["intrinsic"].add(f + "\n" + doc)


def jsonata(conf, out):
    """JSONata expressions of one line with their input (none: empty)."""
    for c in records(os.path.join(conf, "jsonata-suite.ndjson")):
        e = c.get("expr", "")
        if "\n" in e:
            continue
        doc = compact(c["input"]) if "input" in c else ""
        out["jsonata"].add(e + "\n" + doc)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: seeds.py CONFORMANCE-DIR OUT-DIR")
    conf, outdir = sys.argv[1], sys.argv[2]
    out = {t: set() for t in TARGETS}
    eventbridge(conf, out)
    stepfunctions(conf, out)
    jsonata(conf, out)
    for t in TARGETS:
        d = os.path.join(outdir, t)
        os.makedirs(d, exist_ok=True)
        for s in sorted(out[t])[:PER_TARGET]:
            b = s.encode("utf-8")
            name = hashlib.sha1(b).hexdigest()[:16]
            with open(os.path.join(d, name), "wb") as f:
                f.write(b)
    print(" ".join("%s:%d" % (t, min(len(out[t]), PER_TARGET))
                   for t in TARGETS))


if __name__ == "__main__":
    main()
