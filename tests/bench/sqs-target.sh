#!/bin/sh
# What delivering to an SQS queue target costs ebus-match: the same rule
# and events, once with a Lambda function target (the input as it is)
# and once with an SQS queue target (each input made an SQS message:
# MD5 of the body, the body quoted, Attributes), in one hyperfine
# session (never in make check).
#
#	[N=events] [RUNS=runs] [EDAKIT_BIN=bindir] tests/bench/sqs-target.sh
#
# Events: the shared generator (gen-events.py, seed 1); one rule that
# matches every event.  Prints events/s for both targets (CPU time,
# user+sys, means) and the ratio queue/function.
# Needs: python3, hyperfine.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}/ebus-match
N=${N:-100000}
RUNS=${RUNS:-7}
[ -x "$BIN" ] || { echo "$0: build ebus-match first (make)" >&2; exit 2; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
python3 "${EDAKIT_SHARED:-$ROOT/../shared}/bench/gen-events.py" events -n "$N" --seed 1 > "$T/events"
rule() {
	printf '{"Name":"all","EventPattern":{"account":[{"exists":true}]},"Targets":[{"Id":"t","Arn":"%s"}]}\n' "$1"
}
rule arn:aws:lambda:us-east-1:123456789012:function:f > "$T/fn"
rule arn:aws:sqs:us-east-1:123456789012:q > "$T/q"

hyperfine -N -w 1 -r "$RUNS" --export-json "$T/run.json" \
    "$BIN --rules $T/fn -t t=/dev/null $T/events" \
    "$BIN --rules $T/q -t t=/dev/null $T/events" > /dev/null 2>&1
python3 - "$N" "$T/run.json" <<'PY'
import json, sys
n = int(sys.argv[1])
rs = json.load(open(sys.argv[2]))["results"]
fn, q = (r["user"] + r["system"] for r in rs)
print("function target: %.0f events/s" % (n / fn))
print("queue target:    %.0f events/s" % (n / q))
print("queue/function:  %.2f of the throughput" % (fn / q))
PY
