#!/bin/sh
# sfn-eval benchmark: the native JSONata engine against jsonata-js 2.0.6
# (npm jsonata, installed into a temporary folder when npm is available),
# on realistic expressions over N records (default 100,000): a path with
# a predicate, an aggregation with grouping, $map/$filter with lambdas, a
# string function chain, $fromMillis with a picture.  Medians of
# hyperfine runs; each ratio is measured in the same run, by elapsed
# time and by CPU time (user + system; jsonata-js's includes node's
# helper threads), which a loaded machine disturbs less.  Not part of
# make check.  Last figures, elapsed/CPU ratios of three runs (5 runs
# each, load about 2 on 2 cores, after the fixes of the fuzzing round):
# predicate 19.4x/17x, 16.6x/16.6x, 16.2x/17.6x; grouping 24.2x/22x,
# 18.8x/21.2x, 20.8x/18.7x; lambdas 25.7x/22.9x, 26.2x/23.3x,
# 28.3x/23.3x; strings 22x/20.1x, 20x/19.3x, 25.9x/22.5x; fromMillis
# 15x/16.1x, 19.3x/16.8x, 16.8x/17x.  Under a load of 5 to 7 the
# elapsed ratios fell to 9.1x-24.5x (CPU 14.9x-24.3x).  Before the speed
# work of issue 12, in the same order: 6.9x/9.1x, 4.6x/5.9x, 8.5x/11.4x,
# 4.0x/4.2x, 2.5x/3.6x.
#
#	sh tests/bench/sfn-eval.sh [runs] [records]
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}
RUNS=${1:-3}
N=${2:-100000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

for t in hyperfine jq; do
	command -v $t >/dev/null || { echo "sfn-eval bench: needs $t" >&2; exit 2; }
done
[ -x "$BIN/sfn-eval" ] || { echo "sfn-eval bench: build first (make)" >&2; exit 2; }

jq -cn --argjson n "$N" 'range($n) | {id: ., name: "  item \(.)  ",
    ts: (1700000000000 + . * 60000),
    items: [range(. % 5 + 1) as $i | {name: "p\($i)",
	category: (if $i % 2 == 0 then "even" else "odd" end),
	price: ($i * 17 % 100), qty: ($i % 3)}]}' > "$TMP/in.ndjson"

cat > "$TMP/exprs" <<'X'
predicate	items[price > 50].name
grouping	items{category: $sum(price)}
lambdas	$map($filter(items, function($i){ $i.qty > 1 }), function($i){ $i.price * $i.qty })
strings	$uppercase($substring($trim(name), 0, 6)) & "-" & $string(id)
fromMillis	$fromMillis(ts, "[Y0001]-[M01]-[D01] [H01]:[m01]")
X

median() {
	jq '.results[0].median' "$1"
}

# mean CPU time (user + system): a busy machine disturbs it less
cpu() {
	jq '.results[0].user + .results[0].system' "$1"
}

hf() {
	hyperfine "$@" >/dev/null 2>"$TMP/hyperfine.log" ||
	    { cat "$TMP/hyperfine.log" >&2; exit 1; }
}

peer=0
if command -v npm >/dev/null && command -v node >/dev/null &&
    (cd "$TMP" && npm install --no-audit --no-fund --silent \
    jsonata@2.0.6 >/dev/null 2>&1); then
	peer=1
	cat > "$TMP/run.cjs" <<'JS'
// One evaluation per input line, as sfn-eval does.
const jsonata = require("jsonata");
const readline = require("readline");
const expr = jsonata(process.argv[2]);
const rl = readline.createInterface({ input: process.stdin });
const out = [];
(async () => {
	for await (const line of rl) {
		const r = await expr.evaluate(JSON.parse(line));
		if (r !== undefined)
			out.push(JSON.stringify(r));
		if (out.length >= 4096)
			process.stdout.write(out.splice(0).join("\n") + "\n");
	}
	if (out.length)
		process.stdout.write(out.join("\n") + "\n");
})();
JS
else
	echo "peer: npm or node missing, or jsonata not installable: not measured"
fi

while IFS='	' read -r name expr; do
	printf '%s\n' "$expr" > "$TMP/e"
	hf -w 1 -r "$RUNS" --export-json "$TMP/ours.json" \
	    "$BIN/sfn-eval -f $TMP/e < $TMP/in.ndjson > /dev/null"
	ours=$(median "$TMP/ours.json")
	line="$name: sfn-eval $(jq -n "$N / $ours | floor") records/s"
	if [ $peer = 1 ]; then
		# the same results first (as JSON values)
		"$BIN/sfn-eval" -f "$TMP/e" < "$TMP/in.ndjson" > "$TMP/a"
		node "$TMP/run.cjs" "$expr" < "$TMP/in.ndjson" > "$TMP/b"
		jq -cS . "$TMP/a" > "$TMP/a.s"
		jq -cS . "$TMP/b" > "$TMP/b.s"
		cmp -s "$TMP/a.s" "$TMP/b.s" || line="$line (RESULTS DIFFER)"
		hf -w 1 -r "$RUNS" --export-json "$TMP/peer.json" \
		    "node $TMP/run.cjs '$expr' < $TMP/in.ndjson > /dev/null"
		p=$(median "$TMP/peer.json")
		line="$line, jsonata-js $(jq -n "$N / $p | floor") records/s,"
		line="$line ratio $(jq -n "$p / $ours * 10 | round / 10")x"
		c1=$(cpu "$TMP/ours.json")
		c2=$(cpu "$TMP/peer.json")
		line="$line (by CPU time $(jq -n "$c2 / $c1 * 10 | round / 10")x)"
	fi
	echo "$line"
done < "$TMP/exprs"
