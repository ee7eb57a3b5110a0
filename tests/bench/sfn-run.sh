#!/bin/sh
# sfn-run benchmark: a 5-state Pass/Choice machine over 10,000 inputs,
# in JSONPath mode and in JSONata mode (the same machine with Output and
# Condition expressions, giving the same outputs; target: at least half
# the JSONPath machine's executions/s), executions per second side by
# side with the local-sfn CLI of the npm
# package aws-local-stepfunctions (installed into a temporary folder when
# npm is available), start-up time, and peak memory against the number of
# executions.  Medians of hyperfine runs; ratios against the peer measured
# in the same run.  Not part of make check.
#
#	sh tests/bench/sfn-run.sh [runs]
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}
RUNS=${1:-5}
DEF=$ROOT/tests/fixtures/sfn-run/bench.asl.json
JDEF=$ROOT/tests/fixtures/sfn-run/bench-jsonata.asl.json
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

for t in hyperfine jq; do
	command -v $t >/dev/null || { echo "sfn-run bench: needs $t" >&2; exit 2; }
done
[ -x "$BIN/sfn-run" ] || { echo "sfn-run bench: build first (make)" >&2; exit 2; }

gen() {
	jq -cn --argjson n "$1" 'range($n) | {id: ., value: (. * 7 % 2000),
	    kind: (if . % 3 == 0 then "refund" else "order" end)}'
}
gen 10000 > "$TMP/in10k.ndjson"
gen 1 > "$TMP/in1.ndjson"

median() {	# hyperfine JSON -> median seconds
	jq '.results[0].median' "$1"
}

hf() {		# hyperfine, quiet unless it fails
	hyperfine "$@" >/dev/null 2>"$TMP/hyperfine.log" ||
	    { cat "$TMP/hyperfine.log" >&2; exit 1; }
}

hf -w 1 -r "$RUNS" --export-json "$TMP/sfn.json" \
    "$BIN/sfn-run $DEF < $TMP/in10k.ndjson > /dev/null"
ours=$(median "$TMP/sfn.json")
echo "sfn-run:    10000 executions, median $(printf '%.3f' "$ours") s," \
    "$(jq -n "10000 / $ours | floor") executions/s"

hf -w 1 -r "$RUNS" --export-json "$TMP/jsonata.json" \
    "$BIN/sfn-run $JDEF < $TMP/in10k.ndjson > /dev/null"
jn=$(median "$TMP/jsonata.json")
echo "sfn-run:    the same machine in JSONata mode, median" \
    "$(printf '%.3f' "$jn") s, $(jq -n "10000 / $jn | floor") executions/s," \
    "$(jq -n "$ours / $jn * 100 | round / 100")x the JSONPath machine's"

hf -w 3 -r 30 --export-json "$TMP/start.json" \
    "$BIN/sfn-run $DEF < $TMP/in1.ndjson > /dev/null"
echo "sfn-run:    start-up and one execution, median" \
    "$(jq -n "$(median "$TMP/start.json") * 1000 * 100 | round / 100") ms"

for n in 1000 10000 100000; do
	gen $n > "$TMP/mem.ndjson"
	kb=$( { /usr/bin/time -f '%M' "$BIN/sfn-run" "$DEF" \
	    < "$TMP/mem.ndjson" >/dev/null; } 2>&1 | tail -1)
	echo "sfn-run:    peak memory with $n executions: $kb KB"
done

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
	echo "peer: npm or node is missing: aws-local-stepfunctions not measured"
	exit 0
fi
if ! (cd "$TMP" && npm install --no-audit --no-fund --silent \
    aws-local-stepfunctions@3.0.0 >/dev/null 2>&1); then
	echo "peer: npm could not install aws-local-stepfunctions: not measured"
	exit 0
fi
# Version 3.0.0 wants Node 22 (Promise.withResolvers); polyfill older ones.
cat > "$TMP/polyfill.cjs" <<'JS'
if (typeof Promise.withResolvers !== "function")
	Promise.withResolvers = function () {
		let resolve, reject;
		const promise = new Promise((a, b) => { resolve = a; reject = b; });
		return { promise, resolve, reject };
	};
JS
CLI=$TMP/node_modules/aws-local-stepfunctions/bin/CLI.cjs
hf -w 1 -r "$RUNS" --export-json "$TMP/peer.json" \
    "node -r $TMP/polyfill.cjs $CLI -f $DEF < $TMP/in10k.ndjson > /dev/null"
peer=$(median "$TMP/peer.json")
echo "local-sfn:  10000 executions, median $(printf '%.3f' "$peer") s," \
    "$(jq -n "10000 / $peer | floor") executions/s" \
    "(aws-local-stepfunctions 3.0.0, node $(node --version))"
echo "ratio:      sfn-run is $(jq -n "$peer / $ours * 10 | round / 10")x" \
    "the throughput of local-sfn"
