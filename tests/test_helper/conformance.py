#!/usr/bin/env python3
"""Lay out a conformance corpus ($SHARED/conformance) as one directory
of cases per area, in one pass, with every pattern, event, definition
and input as the exact bytes of the corpus line.

    conformance.py eventbridge CORPUS OUTDIR
    conformance.py stepfunctions CORPUS OUTDIR
    conformance.py sns CORPUS OUTDIR
    conformance.py sfn-verdicts AREADIR EXCEPTIONS

Why not json.loads + json.dumps (or jq): both rewrite numbers (300.0,
1e2, long integers) and drop duplicated keys, which are exactly what some
cases are about.  A value given as JSON is cut out of its line by a small
scanner; a value given as a JSON string (pattern_text) is its decoded
text.

OUTDIR/areas lists "AREA COUNT" lines; OUTDIR/AREA/NNNN/ holds the case
of line NNNN:
  eventbridge:   name, expect, pattern, event (one line), aws_error
  sns:           name, expect, subscriptions (one line: the policy and
                 scope as Subscribe, or SetSubscriptionAttributes with a
                 SubscriptionArn, sets them), publish (one Publish
                 request, or nothing for a policy-only case), aws_error
  stepfunctions: name, definition.json, input.json, expect.json, tasks
                 (one "RESOURCE=HANDLER" per line) and the handlers
sfn-verdicts reads each Step Functions case directory after the run
(rc, stdout, history) and prints a summary and every failure with its
diff, and writes AREADIR/totals ("PASS CASES"); exit 1 when some case
failed.
"""

import difflib
import json
import os
import re
import sys

WS = b" \t\r\n"


class ScanError(Exception):
    pass


def skip_ws(b, i):
    while i < len(b) and b[i] in WS:
        i += 1
    return i


def scan_string(b, i):
    """End (exclusive) of the JSON string starting at b[i]."""
    if b[i:i + 1] != b'"':
        raise ScanError("string expected at byte %d" % i)
    i += 1
    while i < len(b):
        c = b[i]
        if c == 0x5C:
            i += 2
        elif c == 0x22:
            return i + 1
        elif c < 0x20:
            raise ScanError("control character in string at byte %d" % i)
        else:
            i += 1
    raise ScanError("unterminated string")


def scan_value(b, i):
    """End (exclusive) of the JSON value starting at b[i]."""
    if i >= len(b):
        raise ScanError("value expected at end of line")
    c = b[i:i + 1]
    if c == b'"':
        return scan_string(b, i)
    if c in (b"{", b"["):
        close = b"}" if c == b"{" else b"]"
        i = skip_ws(b, i + 1)
        if b[i:i + 1] == close:
            return i + 1
        while True:
            if close == b"}":
                i = skip_ws(b, scan_string(b, i))
                if b[i:i + 1] != b":":
                    raise ScanError("':' expected at byte %d" % i)
                i = skip_ws(b, i + 1)
            i = skip_ws(b, scan_value(b, i))
            c = b[i:i + 1]
            if c == close:
                return i + 1
            if c != b",":
                raise ScanError("',' expected at byte %d" % i)
            i = skip_ws(b, i + 1)
    m = re.compile(rb"-?[0-9][0-9.eE+-]*|true|false|null").match(b, i)
    if not m:
        raise ScanError("unexpected byte at %d" % i)
    json.loads(m.group(0))
    return m.end()


def members(b, i=0):
    """[(key, start, end)] of the object at b[i]: the raw span of each
    member's value, duplicated keys included, in order."""
    i = skip_ws(b, i)
    if b[i:i + 1] != b"{":
        raise ScanError("object expected at byte %d" % i)
    out = []
    i = skip_ws(b, i + 1)
    if b[i:i + 1] == b"}":
        return out
    while True:
        k = scan_string(b, i)
        key = json.loads(b[i:k])
        i = skip_ws(b, k)
        if b[i:i + 1] != b":":
            raise ScanError("':' expected at byte %d" % i)
        start = skip_ws(b, i + 1)
        end = scan_value(b, start)
        out.append((key, start, end))
        i = skip_ws(b, end)
        if b[i:i + 1] == b"}":
            return out
        if b[i:i + 1] != b",":
            raise ScanError("',' expected at byte %d" % i)
        i = skip_ws(b, i + 1)


def fields(b, i=0):
    """{key: raw bytes} of the object at b[i]; a duplicated key here (in
    the corpus's own fields) is an error, not data."""
    out = {}
    for key, s, e in members(b, i):
        if key in out:
            raise ScanError("field %r given twice" % key)
        out[key] = (b[s:e], s)
    return out


def raw(f, key):
    return f[key][0] if key in f else None


def text(f, key):
    return json.loads(f[key][0]) if key in f else None


def write(path, data):
    with open(path, "wb") as fp:
        fp.write(data if isinstance(data, bytes) else data.encode())


def corpus_lines(path):
    with open(path, "rb") as fp:
        for n, line in enumerate(fp, 1):
            line = line.rstrip(b"\n")
            if not line:
                continue
            json.loads(line)  # the whole line is JSON
            try:
                yield n, line, fields(line)
            except ScanError as e:
                sys.exit("%s:%d: %s" % (path, n, e))


# EventBridge areas: the first rule whose pattern matches the case name
# (without "py:" and the test-variant suffixes) names its area.  A name
# that no rule matches lands in "unclassified", which no test lists.
EB_AREAS = [
    (r"content_anything_but|put_events_anything_but", "anything-but"),
    (r"content_anything_(prefix|suffix)", "anything-but-prefix-suffix"),
    (r"content_anything_wildcard", "anything-but-wildcard"),
    (r"content_(prefix|suffix)|prefix$", "prefix-suffix"),
    (r"content_wildcard", "wildcard"),
    (r"content_ignorecase", "equals-ignore-case"),
    (r"content_ip_address", "cidr"),
    (r"content_exists|exists|put_events_exists", "exists"),
    (r"content_numeric|numeric|number_", "numeric"),
    (r"complex_or|or-", "or"),
    (r"arrays|list_within_dict|dot_joining|nested_json|complex_",
     "structure"),
    (r"int_nolist|string_nolist|operator_|test_invalid_json|"
     r"test_event_pattern_with_multi_key", "pattern-syntax"),
    (r"boolean|string|null_value|minimal|sample1|dynamodb|key_case|"
     r"test_event_pattern_source|test_event_with_large_and_complex|"
     r"test_event_pattern_with_escape_characters",
     "exact-values"),
]


def eb_area(name):
    bare = name[3:] if name.startswith("py:") else name
    for rx, area in EB_AREAS:
        if re.match(rx, bare):
            return area
    return "unclassified"


def verdict_case(outdir, n, f, area_of, counts):
    """The directory of the verdict case of line N (name, expect and
    aws_error written), counted in its area."""
    name = text(f, "name")
    area = area_of(name)
    d = os.path.join(outdir, area, "%04d" % n)
    os.makedirs(d)
    write(os.path.join(d, "name"), name)
    write(os.path.join(d, "expect"), text(f, "expect"))
    write(os.path.join(d, "aws_error"), text(f, "aws_error") or "")
    counts[area] = counts.get(area, 0) + 1
    return d


def eventbridge(corpus, outdir):
    counts = {}
    for n, line, f in corpus_lines(corpus):
        d = verdict_case(outdir, n, f, eb_area, counts)
        if "pattern_text" in f:
            write(os.path.join(d, "pattern"), text(f, "pattern_text"))
        else:
            write(os.path.join(d, "pattern"), raw(f, "pattern"))
        write(os.path.join(d, "event"), raw(f, "event") + b"\n")
    write_areas(outdir, counts)


# SNS areas: by the upstream test a case comes from.
SNS_AREAS = [
    (r"test_filter_policy_on_message_body_dot", "body-dotted-keys"),
    (r"test_filter_policy_on_message_body_array", "body-arrays"),
    (r"test_filter_policy_on_message_body_or", "or"),
    (r"test_filter_policy_(on_message_body|empty_array)", "body"),
    (r"test_filter_policy_ip_address", "cidr"),
    (r"test_(filter_policy|exists_filter_policy)", "attributes"),
    (r"test_validate_policy_numeric", "validate-numeric"),
    (r"test_validate_policy_(exists|nested_anything)",
     "validate-exists-anything-but"),
    (r"test_validate_policy", "validate-syntax"),
    (r"test_policy_complexity", "complexity"),
    (r"test_sub_filter_policy_nested", "nesting"),
]

SNS_TOPIC = b"arn:aws:sns:us-east-1:123456789012:conformance"


def sns_area(name):
    test = name.split("::")[1]
    for rx, area in SNS_AREAS:
        if re.match(rx, test):
            return area
    return "unclassified"


def sns(corpus, outdir):
    counts = {}
    for n, line, f in corpus_lines(corpus):
        d = verdict_case(outdir, n, f, sns_area, counts)
        sub = b'{"TopicArn":"' + SNS_TOPIC + b'","Protocol":"sqs",' \
            b'"Endpoint":"arn:aws:sqs:us-east-1:123456789012:queue",'
        if text(f, "api") == "SetSubscriptionAttributes":
            sub += b'"SubscriptionArn":"' + SNS_TOPIC + b':%04d",' % n
        sub += b'"Attributes":{"FilterPolicyScope":' + raw(f, "scope") + \
            b',"FilterPolicy":' + raw(f, "policy") + b"}}\n"
        write(os.path.join(d, "subscriptions"), sub)
        pub = b""
        if "message" in f:
            pub = b'{"Message":' + raw(f, "message")
            if "message_attributes" in f:
                pub += b',"MessageAttributes":' + \
                    raw(f, "message_attributes")
            pub += b"}\n"
        write(os.path.join(d, "publish"), pub)
    write_areas(outdir, counts)


def write_areas(outdir, counts):
    write(os.path.join(outdir, "areas"),
          "".join("%s %d\n" % (a, counts[a]) for a in sorted(counts)))


# Step Functions areas, as the reference groups them.
def sfn_area(name, definition, features):
    if (re.search(rb'"QueryLanguage"\s*:\s*"JSONata"', definition)
            or "QueryLanguage:JSONata" in features
            or "jsonata-expr" in features):
        return "jsonata"
    if "choice_operators/" in name:
        return "choice"
    if "field:Assign" in features:
        return "variables"
    if any(x.startswith("intrinsic:") for x in features):
        return "intrinsic"
    if "state:Map" in features:
        return "map"
    return "other"


def handler(d, i, binding):
    """Write the handler of one binding; return its path."""
    b = fields(binding)
    kind = text(b, "kind")
    h = os.path.join(d, "handler%d" % i)
    if kind == "identity":
        script = "#!/bin/sh\nexec cat\n"
    elif kind == "constant":
        v = os.path.join(d, "value%d.json" % i)
        write(v, raw(b, "value") + b"\n")
        script = "#!/bin/sh\ncat >/dev/null\nexec cat '%s'\n" % v
    elif kind == "raise":
        v = os.path.join(d, "value%d.json" % i)
        write(v, json.dumps({"errorMessage": text(b, "errorMessage"),
                             "errorType": text(b, "error"),
                             "stackTrace": []}) + "\n")
        script = "#!/bin/sh\ncat >/dev/null\ncat '%s'\nexit 1\n" % v
    else:
        raise ScanError("binding kind %r" % kind)
    write(h, script)
    os.chmod(h, 0o755)
    return h


def stepfunctions(corpus, outdir):
    counts = {}
    for n, line, f in corpus_lines(corpus):
        name = text(f, "name")
        definition = raw(f, "definition")
        area = sfn_area(name, definition, text(f, "features") or [])
        d = os.path.join(outdir, area, "%04d" % n)
        os.makedirs(d)
        write(os.path.join(d, "name"), name)
        write(os.path.join(d, "definition.json"), definition + b"\n")
        write(os.path.join(d, "input.json"), raw(f, "input") + b"\n")
        write(os.path.join(d, "expect.json"), raw(f, "expect") + b"\n")
        hist = text(f, "history")
        if hist is not None:
            write(os.path.join(d, "history-types"),
                  "".join(e["type"] + "\n" for e in hist))
        tasks = []
        if "bindings" in f:
            for i, (res, s, e) in enumerate(members(line, f["bindings"][1])):
                tasks.append("%s=%s\n" % (res, handler(d, i + 1, line[s:e])))
        write(os.path.join(d, "tasks"), "".join(tasks))
        counts[area] = counts.get(area, 0) + 1
    write_areas(outdir, counts)


def same(a, b):
    """JSON value equality: numbers by value, objects unordered, and
    true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def pretty(v):
    return json.dumps(v, indent=1, sort_keys=True).splitlines()


def read(path, default=""):
    try:
        with open(path, encoding="utf-8") as fp:
            return fp.read()
    except FileNotFoundError:
        return default


def stream(s):
    """The JSON values of a text, one after another."""
    dec, i = json.JSONDecoder(), 0
    while True:
        while i < len(s) and s[i] in " \t\r\n":
            i += 1
        if i == len(s):
            return
        v, i = dec.raw_decode(s, i)
        yield v


def sfn_verdict(d):
    """(verdict, expected, got) of one case directory after its run."""
    expect = json.loads(read(os.path.join(d, "expect.json")))
    try:
        got = json.loads(read(os.path.join(d, "stdout")))
    except ValueError:
        return "no-result", None, None
    want = {"status": expect["status"]}
    have = {"status": got.get("status")}
    if expect["status"] == "SUCCEEDED":
        out = expect.get("output")
        if isinstance(out, str):
            try:
                out = json.loads(out)
            except ValueError:
                pass
        want["output"] = out
        try:
            have["output"] = json.loads(got.get("output"))
        except (TypeError, ValueError):
            have["output"] = got.get("output")
    elif expect["status"] == "FAILED":
        want["error"] = expect.get("error")
        have["error"] = got.get("error")
    if not same(want, have):
        return "differs", want, have
    if expect.get("cause") is not None and got.get("cause") != expect["cause"]:
        return ("cause-differs", {"cause": expect["cause"]},
                {"cause": got.get("cause")})
    return "pass", None, None


def sfn_verdicts(areadir, exceptions):
    """Print the area's summary and its failures; 0 when none failed."""
    tally = {"pass": 0, "causes": 0, "exact_cause": 0,
             "histories": 0, "same_history": 0}
    failed = 0
    cases = sorted(c for c in os.listdir(areadir) if c.isdigit())
    for c in cases:
        d = os.path.join(areadir, c)
        name = read(os.path.join(d, "name"))
        v, want, have = sfn_verdict(d)
        if v == "pass":
            tally["pass"] += 1
        expect = json.loads(read(os.path.join(d, "expect.json")))
        if expect.get("cause") is not None:
            tally["causes"] += 1
            tally["exact_cause"] += v == "pass"
        types = read(os.path.join(d, "history-types"), None)
        if types is not None:
            tally["histories"] += 1
            got = "".join(e["type"] + "\n" for e in
                          stream(read(os.path.join(d, "history"))))
            tally["same_history"] += got == types
        if v == "pass":
            continue
        if name in exceptions:
            print("# exception: %s: %s" % (name, exceptions[name]))
            continue
        failed += 1
        print("FAIL %s (line %d): %s" % (name, int(c), v))
        if want is not None:
            for l in difflib.unified_diff(pretty(want), pretty(have),
                                          "expected", "got", lineterm=""):
                print("  " + l)
        err = read(os.path.join(d, "stderr")).strip()
        if err:
            print("  stderr: " + err.replace("\n", "\n          "))
    print("# %s: %d/%d pass; AWS cause text %d/%d;"
          " history event types as on AWS %d/%d"
          % (os.path.basename(areadir), tally["pass"], len(cases),
             tally["exact_cause"], tally["causes"],
             tally["same_history"], tally["histories"]))
    write(os.path.join(areadir, "totals"), "%d %d\n" % (
        tally["pass"], len(cases)))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "eventbridge":
        eventbridge(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "sns":
        sns(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "stepfunctions":
        stepfunctions(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "sfn-verdicts":
        # sfn-verdicts AREADIR EXCEPTIONS: EXCEPTIONS holds
        # NAME<TAB>REASON lines
        with open(argv[3], encoding="utf-8") as fp:
            exc = dict(l.rstrip("\n").split("\t", 1) for l in fp if l.strip())
        return sfn_verdicts(argv[2], exc)
    else:
        sys.exit("usage: conformance.py eventbridge|stepfunctions|sns CORPUS "
                 "OUTDIR | sfn-verdicts AREADIR EXCEPTIONS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
