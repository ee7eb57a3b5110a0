#!/usr/bin/env python3
"""Run the JSONata 2.0.6 test suite ($SHARED/conformance/
jsonata-suite.ndjson) through sfn-eval and judge every case as the
README beside the data says (values compared as JSON values, undefined
distinct from null, errors by code; unordered arrays as multisets).

    jsonata_suite.py SUITE EXPECTED_FAILURES [--write FILE]

Each case runs sfn-eval once: the expression as its argument, the input
as the exact bytes of the suite line (absent input: --no-input), the
bindings as --var, the limits as --depth/--time-limit, and
--undefined=undefined so that an undefined result is told from null.

Prints "# GROUP passed/cases" per group and the total, then every
regression (a failing case not in EXPECTED_FAILURES) and every listed
case that now passes; exits 1 if there is either, so that the list only
shrinks.  --write FILE writes the names of the failing cases (the list
to commit).
"""
import collections
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import fields, raw, same  # noqa: E402

# valgrind runs the engine 20 to 50 times slower: its time limits and
# ours grow by this factor under VALGRIND=1 (an endless tail call is
# stopped by the case's time limit, in 10 s rather than 1 s).
SLOW = 10 if os.environ.get("VALGRIND") == "1" else 1

CODE = re.compile(r"\b([STDU][0-9]{4})\b")


def canon(v):
    return json.dumps(v, sort_keys=True)


def judge(case, rc, out, err):
    """(passed, why) for one case."""
    exp = case["expect"]
    if "error" in exp:
        m = CODE.search(err)
        if rc in (3, 5) and m and m.group(1) == exp["error"]:
            if "token" in exp and ('(token "%s")' % exp["token"]) \
                    not in err:
                return False, "token: %s" % err.strip()
            return True, ""
        return False, "want error %s, got rc %d: %s%s" % (
            exp["error"], rc, out.strip()[:200], err.strip()[:200])
    if rc != 0:
        return False, "rc %d: %s" % (rc, err.strip()[:300])
    if "undefined" in exp:
        if out == "undefined\n":
            return True, ""
        return False, "want undefined, got %s" % out.strip()[:200]
    if out == "undefined\n":
        return False, "got undefined"
    try:
        got = json.loads(out)
    except ValueError:
        return False, "not one JSON value: %r" % out[:200]
    want = exp["result"]
    if case.get("unordered") and isinstance(want, list) and \
            isinstance(got, list):
        if sorted(map(canon, want)) == sorted(map(canon, got)):
            return True, ""
    if same(got, want):
        return True, ""
    return False, "want %s, got %s" % (json.dumps(want)[:200],
                                         json.dumps(got)[:200])


def run_case(line, case):
    f = fields(line)
    args = ["sfn-eval", "--undefined=undefined"]
    for k, v in (case.get("bindings") or {}).items():
        args.append("--var=%s=%s" % (k, json.dumps(v)))
    if "depth" in case:
        args.append("--depth=%d" % case["depth"])
    if "timelimit" in case:
        args.append("--time-limit=%d" % (case["timelimit"] * SLOW))
    stdin = b""
    if "input" in f:
        stdin = raw(f, "input") + b"\n"
    else:
        args.append("--no-input")
    args += ["--", case["expr"]]
    try:
        p = subprocess.run(args, input=stdin, capture_output=True,
                           timeout=30 * SLOW)
    except subprocess.TimeoutExpired:
        return -1, "", "timed out after %d s" % (30 * SLOW)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def main(argv):
    suite, listfile = argv[1], argv[2]
    write = argv[4] if len(argv) > 4 and argv[3] == "--write" else None
    expected = set()
    with open(listfile) as fp:
        for ln in fp:
            ln = ln.strip()
            if ln and not ln.startswith("#"):
                expected.add(ln.split()[0])  # the name; a reason may follow
    groups = collections.OrderedDict()
    failing, why = [], {}
    with open(suite, "rb") as fp:
        for line in fp:
            case = json.loads(line)
            rc, out, err = run_case(line, case)
            ok, reason = judge(case, rc, out, err)
            g = groups.setdefault(case["group"], [0, 0])
            g[1] += 1
            if ok:
                g[0] += 1
            else:
                failing.append(case["name"])
                why[case["name"]] = reason
    total = sum(g[1] for g in groups.values())
    passed = sum(g[0] for g in groups.values())
    for name, (p, n) in sorted(groups.items()):
        print("# %-32s %4d/%d" % (name, p, n))
    print("# total %d/%d passed, %d listed as expected failures" % (
        passed, total, len(expected)))
    if write:
        with open(write, "w") as fp:
            for n in failing:
                fp.write(n + "\n")
    status = 0
    for n in failing:
        if n not in expected:
            print("regression: %s: %s" % (n, why[n]))
            status = 1
    fail = set(failing)
    for n in sorted(expected):
        if n not in fail:
            print("now passes, remove it from the list: %s" % n)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
