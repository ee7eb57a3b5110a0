#!/bin/sh
# sfn-run benchmark: a distributed Map over an ItemReader (a JSONL object
# of N items under --s3-dir), each item one child execution of a Pass
# state.  Prints the time for each N (elapsed, and CPU, which a busy
# machine disturbs less) and the CPU time's ratio to the smallest N's,
# measured in the same run: a linear run scales the ratio as N does
# (10x the items, about 10x the time).  Peak memory from /usr/bin/time.
# Not part of make check.
#
#	sh tests/bench/sfn-run-map.sh [N ...]	(default: 10000 100000)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
[ $# -gt 0 ] || set -- 10000 100000

for t in jq; do
	command -v $t >/dev/null || { echo "sfn-run map bench: needs $t" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "sfn-run map bench: needs /usr/bin/time" >&2; exit 2; }
[ -x "$BIN/sfn-run" ] || { echo "sfn-run map bench: build first (make)" >&2; exit 2; }

mkdir -p "$TMP/s3/b"
cat > "$TMP/map.asl.json" <<'JSON'
{"StartAt":"M","States":{"M":{"Type":"Map",
 "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
   "Parameters":{"Bucket":"b","Key":"items.jsonl"},
   "ReaderConfig":{"InputType":"JSONL"}},
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
   "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
 "ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}
JSON
echo '{}' > "$TMP/in"

base=
for n in "$@"; do
	jq -cn --argjson n "$n" 'range($n) | {id: ., qty: (. % 7)}' \
	    > "$TMP/s3/b/items.jsonl"
	/usr/bin/time -f '%e %U %S %M' -o "$TMP/time" env EDAKIT_DETERMINISTIC=1 \
	    "$BIN/sfn-run" --s3-dir "$TMP/s3" "$TMP/map.asl.json" \
	    < "$TMP/in" > "$TMP/out"
	got=$(jq -r '.output | fromjson | .n' "$TMP/out")
	[ "$got" = "$n" ] || { echo "sfn-run map bench: $n items gave $got" >&2; exit 1; }
	read -r s us ss kb < "$TMP/time"
	cpu=$(jq -n "($us + $ss) * 100 | round / 100")
	[ -n "$base" ] || { base=$cpu; bn=$n; }
	echo "sfn-run map: $n items, $s s ($cpu s CPU), peak $kb KB," \
	    "$(jq -n "if $base > 0 then $cpu / $base * 10 | round / 10 else 0 end")x" \
	    "the CPU time of $bn items ($(jq -n "$n / $bn")x the items)"
done
