#!/bin/sh
# How ebus-match's cost per event grows with the number of rules that
# never match (never in make check).
#
#	tests/bench/ebus-match-rules.sh [-n events] [-r runs] [-b bindir]
#
# Events: the shared generator (gen-events.py, seed 1).  Rules: 100 and
# 10,000 rules of exact values (source, detail-type and a detail field)
# that no event has.  hyperfine times both rule files in one session.
# Printed for wall time (medians) and CPU time (user+sys, means; steadier
# on a loaded machine): start-up alone (no events), the whole run with
# 100 and 10,000 rules and its ratio, and events/s with start-up taken
# out and that ratio.
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
def load(path):
    rs = json.load(open(path))["results"]
    return [r["median"] for r in rs], [r["user"] + r["system"] for r in rs]
sw, sc = load(sys.argv[2])
rw, rc = load(sys.argv[3])
print("ebus-match, %d events (gen-events.py seed 1), never-matching exact rules" % n)
for what, s, r in (("wall, medians", sw, rw), ("CPU user+sys, means", sc, rc)):
    print("%s:" % what)
    print("  start-up alone:   100 rules %8.1f ms   10,000 rules %8.1f ms"
          % (s[0] * 1e3, s[1] * 1e3))
    print("  whole run:        100 rules %8.3f s    10,000 rules %8.3f s    ratio %.2f"
          % (r[0], r[1], r[1] / r[0]))
    ev = [n / max(r[i] - s[i], 1e-9) for i in (0, 1)]
    print("  events/s without start-up: 100 rules %.0f   10,000 rules %.0f   ratio %.2f"
          % (ev[0], ev[1], ev[0] / ev[1]))
PY
