#!/bin/sh
# Benchmark of the log store's layout where users pay for it: the demo
# pipeline (share/demo/demo.sh) on N generated orders, and cwlog-tail
# reading a group of S streams of one event each (as the pipeline makes
# them), each measured for a build of an earlier commit ("before") and
# for this tree ("after") in the same run, reported as ratios.
#
#	tests/bench/cwlog-store.sh BEFORE-REV [orders [streams]]
#
# BEFORE-REV (a commit, e.g. the one before the segment layout) is
# built into a temporary directory with its own demo.sh; orders default
# to 100000, streams to 40000.  Needs GNU time (/usr/bin/time) and git;
# run after `make`.
set -eu

REV=${1:?usage: cwlog-store.sh BEFORE-REV [orders [streams]]}
N=${2:-100000}
S=${3:-40000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

mkdir "$T/before"
git -C "$ROOT" archive "$REV" | tar -x -C "$T/before"
make -C "$T/before" -j2 >/dev/null 2>&1 ||
    { echo "cwlog-store bench: cannot build $REV" >&2; exit 2; }

# Orders as tests/pipeline.bats makes them.
awk -v n="$N" 'BEGIN {
	split("eu-west eu-east us-east us-west eu-south", L, " ")
	for (i = 0; i < n; i++) {
		dt = i % 10 == 9 ? "Order Processed" : "Order Notification"
		od = dt == "Order Processed" ? ",\\\"OrderDetails\\\":\\\"completed\\\"" : ""
		printf "{\"Source\":\"com.aws.orders\",\"DetailType\":\"%s\",\"EventBusName\":\"Orders\",\"Detail\":\"{\\\"category\\\":\\\"office-supplies\\\",\\\"value\\\":%d,\\\"location\\\":\\\"%s\\\",\\\"n\\\":%d%s}\"}\n", dt, (i * 37) % 2000, L[i % 5 + 1], i, od
	}
}' > "$T/orders"

# EventBridge events a second apart, each to a stream of its own.
awk -v n="$S" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "{\"version\":\"0\",\"id\":\"%08d-0000-4000-8000-000000000000\",\"detail-type\":\"Order Notification\",\"source\":\"com.aws.orders\",\"account\":\"123456789012\",\"time\":\"2024-01-01T%02d:%02d:%02dZ\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{\"n\":%d}}\n", i, int(i / 3600), int(i / 60) % 60, i % 60, i
}' > "$T/events"

export EDAKIT_DETERMINISTIC=1

# demo TREE NAME: orders/s, CPU seconds and files of the demo's store.
demo() {
	# (1: some invocations timed out on a loaded machine; still a run)
	st=0
	/usr/bin/time -f '%e %U %S' -o "$T/$2.time" env \
	    PATH="$1/build/bin:$PATH" bash "$1/share/demo/demo.sh" \
	    "$T/$2.out" "$T/orders" >/dev/null 2>"$T/$2.err" || st=$?
	[ "$st" -le 1 ] || { cat "$T/$2.err" >&2; exit 1; }
	# (GNU time puts "Command exited with non-zero status" first)
	tail -n 1 "$T/$2.time" > "$T/$2.t1"
	read -r e u s < "$T/$2.t1"
	echo "$e $u $s $(find "$T/$2.out/logs" -type f | wc -l)"
}

# tail TREE NAME COUNT: peak RSS (kB) of cwlog-tail over COUNT streams.
tail_rss() {
	rm -rf "$T/st"
	head -n "$3" "$T/events" | "$1/build/bin/cwlog-write" --store "$T/st" \
	    -g g
	/usr/bin/time -f %M -o "$T/$2.rss" "$1/build/bin/cwlog-tail" \
	    --store "$T/st" g --since 1w --format ndjson > "$T/$2.tail"
	[ "$(wc -l < "$T/$2.tail")" = "$3" ] ||
	    { echo "cwlog-store bench: $2 lost events" >&2; exit 1; }
	cat "$T/$2.rss"
}

echo "cwlog-store bench: demo on $N orders, cwlog-tail on $S streams; before = $REV"
demo "$T/before" before > "$T/before.res"
demo "$ROOT" after > "$T/after.res"
read -r b_e b_u b_s b_files < "$T/before.res"
read -r a_e a_u a_s a_files < "$T/after.res"
b_cpu=$(echo "$b_u + $b_s" | bc)
a_cpu=$(echo "$a_u + $a_s" | bc)
awk -v n="$N" -v be="$b_e" -v ae="$a_e" -v bc="$b_cpu" -v ac="$a_cpu" \
    -v bf="$b_files" -v af="$a_files" 'BEGIN {
	printf "demo: before %.0f orders/s (%.1f s CPU, %d files), after %.0f orders/s (%.1f s CPU, %d files), ratio %.2f\n",
	    n / be, bc, bf, n / ae, ac, af, be / ae }'
for k in $((S / 4)) "$S"; do
	tail_rss "$T/before" before "$k" > "$T/b.res"
	tail_rss "$ROOT" after "$k" > "$T/a.res"
	b=$(cat "$T/b.res") a=$(cat "$T/a.res")
	awk -v k="$k" -v b="$b" -v a="$a" 'BEGIN {
	printf "cwlog-tail, %d streams: max RSS before %.1f MB, after %.1f MB, ratio %.1f\n",
	    k, b / 1024, a / 1024, b / a }'
done
