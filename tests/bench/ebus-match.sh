#!/bin/sh
# Benchmark of ebus-match against the libjq floor and jq, measured in the
# same run (never in make check).
#
#	tests/bench/ebus-match.sh [-n events] [-r runs]
#
# Inputs come from tests/bench/ebus-match-gen.py (100,000 events of about
# 1 KB, 100 rules using every operator).  The floor is the shared
# jq-floor.c (libjq 1.6 parsing every event, nothing else).  Tool and
# floor runs alternate; each ratio is taken pair by pair from CPU time
# (user+sys) and the median is printed, with events/s and MB/s from the
# median run.  Then: peak RSS, start-up time (hyperfine, one event, 100
# rules), and the correctness oracle on the shared generator's data
# (gen-events.py, seed 1), which is measured against the floor too.
# Needs: cc, libjq-dev, jq, python3, hyperfine, GNU time.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}/ebus-match
SHARED=${EDAKIT_SHARED:-$ROOT/../shared}
N=100000
RUNS=5
while getopts n:r: c; do
	case $c in
	n) N=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	*) echo "usage: $0 [-n events] [-r runs]" >&2; exit 2 ;;
	esac
done
[ -x "$BIN" ] || { echo "$0: build ebus-match first (make)" >&2; exit 2; }
[ -f "$SHARED/bench/jq-floor.c" ] ||
    { echo "$0: $SHARED/bench is absent" >&2; exit 2; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
python3 "$ROOT/tests/bench/ebus-match-gen.py" events -n "$N" > "$T/events"
python3 "$ROOT/tests/bench/ebus-match-gen.py" rules -n 100 > "$T/rules"
cc -O2 -o "$T/jq-floor" "$SHARED/bench/jq-floor.c" -ljq
IN="$T/events"
BYTES=$(wc -c < "$IN")
PREFIX='{"region":[{"prefix":"eu-"}]}'

# cpu CMD...: run once (stdin: the events), print "cpu wall rss_kb".
cpu() {
	/usr/bin/time -f '%U %S %e %M' -o "$T/time" "$@" < "$IN" \
	    > /dev/null 2>"$T/err" || [ $? -eq 1 ]
	awk '{ printf "%.3f %.3f %d\n", $1 + $2, $3, $4 }' "$T/time"
}

# paired NAME CMD...: alternate floor and tool, RUNS pairs after a
# warm-up; print the median ratio and the tool's median figures.
paired() {
	name=$1; shift
	cpu "$T/jq-floor" -o none > /dev/null
	cpu "$@" > /dev/null
	: > "$T/pairs"
	i=0
	while [ $i -lt "$RUNS" ]; do
		f=$(cpu "$T/jq-floor" -o none)
		t=$(cpu "$@")
		echo "$f $t" >> "$T/pairs"
		i=$((i + 1))
	done
	python3 - "$name" "$N" "$BYTES" "$T/pairs" <<'PY'
import statistics, sys
name, n, nbytes, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = [list(map(float, l.split())) for l in open(path)]
ratio = statistics.median(r[0] / r[3] for r in rows)
cpu = statistics.median(r[3] for r in rows)
fcpu = statistics.median(r[0] for r in rows)
rss = max(r[5] for r in rows) / 1024
print("%-34s %9.0f ev/s %7.1f MB/s  x%5.2f floor  (floor %.0f ev/s)  RSS %.1f MB"
      % (name, n / cpu, nbytes / cpu / 1e6, ratio, n / fcpu, rss))
with open(path + ".ratio", "w") as f:
    f.write("%f %f\n" % (ratio, rss))
PY
}

echo "ebus-match benchmark: $N events, $(($BYTES / $N)) bytes/event, $RUNS paired runs (CPU time, medians)"
paired "libjq floor (jq-floor -o none)" "$T/jq-floor" -o none
paired "ebus-match 100 rules, -c" "$BIN" --rules "$T/rules" -c
r100=$(cut -d' ' -f1 "$T/pairs.ratio"); rss100=$(cut -d' ' -f2 "$T/pairs.ratio")
paired "ebus-match 100 rules, -H per match" "$BIN" --rules "$T/rules" -H
paired "ebus-match 100 rules, events out" "$BIN" --rules "$T/rules"
paired "ebus-match one prefix rule" "$BIN" -p "$PREFIX"
rpre=$(cut -d' ' -f1 "$T/pairs.ratio")
paired "jq -c select(startswith) same rule" jq -c 'select(.region|startswith("eu-"))'

head -1 "$T/events" > "$T/one"
hyperfine -N -w 3 -r 30 --export-json "$T/hf.json" \
    "$BIN --rules $T/rules -c $T/one" > /dev/null 2>&1
start=$(jq '.results[0].median * 1000' "$T/hf.json")
printf '%-34s %9.2f ms (median of 30, one event, 100 rules)\n' "start-up" "$start"

# correctness at scale: the shared oracle
oracle=skipped
if [ -f "$SHARED/bench/expected-counts-events100k-rules100-seed1.tsv" ]; then
	python3 "$SHARED/bench/gen-events.py" events -n 100000 --seed 1 > "$T/oe"
	python3 "$SHARED/bench/gen-events.py" rules -n 100 --seed 1 |
	    jq -c '{Name: .name, EventPattern: .pattern}' > "$T/or"
	if "$BIN" --rules "$T/or" -c < "$T/oe" |
	    diff -q "$SHARED/bench/expected-counts-events100k-rules100-seed1.tsv" - >/dev/null
	then oracle=PASS; else oracle=FAIL; fi
	IN="$T/oe"
	BYTES=$(wc -c < "$IN")
	N=100000
	paired "shared data (seed 1), 100 rules, -c" "$BIN" --rules "$T/or" -c
fi
printf '%-34s %s\n' "oracle (gen-events seed 1, 100 rules)" "$oracle"

python3 - "$r100" "$rpre" "$rss100" "$start" "$oracle" <<'PY'
import sys
r100, rpre, rss, start = map(float, sys.argv[1:5])
oracle = sys.argv[5]
def v(ok): return "PASS" if ok else "FAIL"
print("targets: 100 rules >= 3x floor: %s (x%.2f); prefix >= 5x floor: %s (x%.2f); "
      "RSS <= 16 MB: %s (%.1f MB); start-up <= 5 ms: %s (%.2f ms); oracle: %s"
      % (v(r100 >= 3), r100, v(rpre >= 5), rpre, v(rss <= 16), rss, v(start <= 5), start, oracle))
PY
