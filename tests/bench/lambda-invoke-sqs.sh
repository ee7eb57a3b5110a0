#!/bin/sh
# Benchmark of lambda-invoke's SQS event source: messages per second
# through --runtime-api in batches of 10 (the default BatchSize) against
# single-message invocations, measured in the same run:
#
#   batch-10      lambda-invoke --event-source-arn Q --runtime-api RUNTIME
#   batch-1       the same with --batch-size 1: one invocation per message
#   invoke-each   lambda-invoke --runtime-api RUNTIME over the bodies, one
#                 RequestResponse invocation per message (no queue at all)
#
# RUNTIME is cat as a compiled custom runtime (lambda-invoke-runtime.c,
# built here with cc): it answers each event with the event, which is a
# success.  hyperfine (Debian package hyperfine) runs each command RUNS
# times; the figures are medians and the ratios are to batch-1.
# Usage: tests/bench/lambda-invoke-sqs.sh [N [RUNS]]  (N: 100000)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDAKIT_BIN:-$root/build/bin}
n=${1:-100000}
runs=${2:-3}

for t in hyperfine jq cc; do
	command -v "$t" >/dev/null ||
	    { echo "lambda-invoke-sqs bench: '$t' is needed" >&2; exit 2; }
done
[ -x "$bin/lambda-invoke" ] ||
    { echo "lambda-invoke-sqs bench: build first (make)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
seq 1 "$n" | sed 's/.*/{"MessageId":"m&","Body":"{\\"n\\":&,\\"order\\":\\"office-supplies\\"}","Attributes":{"SentTimestamp":"1704110399000","SenderId":"AIDAIENQZJOLO23YVJ4VO"}}/' \
    >"$tmp/queue.ndjson"
jq -r .Body "$tmp/queue.ndjson" >"$tmp/bodies.ndjson"
cc -O2 -o "$tmp/runtime" "$here/lambda-invoke-runtime.c"

# Every message must end deleted, in each variant.
unset EDAKIT_DETERMINISTIC
for b in 10 1; do
	"$bin/lambda-invoke" -q --event-source-arn Orders --batch-size "$b" \
	    --runtime-api "$tmp/runtime" <"$tmp/queue.ndjson" 2>"$tmp/summary"
	grep -q ": $n messages: $n deleted, 0 to the dead-letter" "$tmp/summary" ||
	    { echo "lambda-invoke-sqs bench: batch $b lost messages:" \
	    "$(cat "$tmp/summary")" >&2; exit 1; }
done

q="$bin/lambda-invoke -q --event-source-arn Orders --runtime-api"
hyperfine -N --style basic --warmup 1 --runs "$runs" \
    --export-json "$tmp/result.json" \
    -n batch-10 "bash -c '$q $tmp/runtime <$tmp/queue.ndjson 2>/dev/null'" \
    -n batch-1 "bash -c '$q --batch-size 1 $tmp/runtime <$tmp/queue.ndjson 2>/dev/null'" \
    -n invoke-each "bash -c '$bin/lambda-invoke -q --runtime-api $tmp/runtime <$tmp/bodies.ndjson >/dev/null'" \
    >&2

echo "lambda-invoke SQS event source: $n messages, median of $runs runs"
jq -r --argjson n "$n" '
    (.results[] | select(.command == "batch-1") | .median) as $base |
    .results[] |
    "\(.command)\t\(.median * 1000 | floor) ms\t\($n / .median | floor) msg/s\tx\(($base / .median) * 100 | floor / 100)"
    ' "$tmp/result.json" | column -t -s "$(printf '\t')"
