#!/bin/sh
# How ebus-match's cost per event grows with the number of rules that
# never match (never in make check).
#
#	tests/bench/ebus-match-rules.sh [-n events] [-r runs] [-b bindir]
#
# Events: the shared generator (gen-events.py, seed 1).  Rules: 100 and
# 10,000 rules of exact values (source, detail-type and a detail field)
# that no event has.  hyperfine alternates the runs of both rule files in
# one session; the figures are medians of wall time.  Printed: start-up
# alone (no events), events/s with 100 and 10,000 rules (start-up
# included and subtracted), and their ratio.
# Needs: python3, jq, hyperfine.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=${EDAKIT_BIN:-$ROOT/build/bin}
SHARED=${EDAKIT_SHARED:-$ROOT/../shared}
N=100000
RUNS=7
while getopts b:n:r: c; do
	case $c in
	b) BINDIR=$OPTARG ;;
	n) N=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	*) echo "usage: $0 [-n events] [-r runs] [-b bindir]" >&2; exit 2 ;;
	esac
done
BIN=$BINDIR/ebus-match
[ -x "$BIN" ] || { echo "$0: build ebus-match first (make)" >&2; exit 2; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
python3 "$SHARED/bench/gen-events.py" events -n "$N" --seed 1 > "$T/events"
# rules N: exact values no event holds, on fields every event has
rules() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"Name\":\"never-%05d\",\"EventPattern\":\"{\\\"source\\\":[\\\"never.%d\\\"],\\\"detail-type\\\":[\\\"Type %d\\\",\\\"Other %d\\\"],\\\"detail\\\":{\\\"status\\\":[\\\"s%d\\\"]}}\"}\n", i, i, i, i, i
	}'
}
rules 100 > "$T/r100"
rules 10000 > "$T/r10000"
: > "$T/none"

hyperfine -N -w 2 -r "$RUNS" -i --export-json "$T/start.json" \
    "$BIN --rules $T/r100 -c $T/none" \
    "$BIN --rules $T/r10000 -c $T/none" > /dev/null 2>&1
hyperfine -N -w 1 -r "$RUNS" -i --export-json "$T/run.json" \
    "$BIN --rules $T/r100 -c $T/events" \
    "$BIN --rules $T/r10000 -c $T/events" > /dev/null 2>&1
python3 - "$N" "$T/start.json" "$T/run.json" <<'PY'
import json, sys
n = int(sys.argv[1])
start = [r["median"] for r in json.load(open(sys.argv[2]))["results"]]
run = [r["median"] for r in json.load(open(sys.argv[3]))["results"]]
print("ebus-match, %d events (gen-events.py seed 1), never-matching exact rules, medians" % n)
print("start-up alone:   100 rules %8.2f ms   10,000 rules %8.2f ms" % (start[0] * 1e3, start[1] * 1e3))
print("whole run:        100 rules %8.3f s    10,000 rules %8.3f s    ratio %.2f" % (run[0], run[1], run[1] / run[0]))
ev = [n / (run[i] - start[i]) for i in (0, 1)]
print("events/s (minus start-up): 100 rules %.0f   10,000 rules %.0f   ratio %.2f" % (ev[0], ev[1], ev[0] / ev[1]))
PY
