#!/bin/sh
# Benchmark of the log store: records/s appended by cwlog-write (one
# writer, and four at once into one stream) against `cat >> file` on the
# same input, and records/s read by `cwlog-tail --format ndjson` from a
# group of 1,000,000 records against `cat` of the same files.  Every
# figure is a ratio against a baseline measured in the same run, from
# hyperfine's medians.
#
#	tests/bench/cwlog.sh [records]		(default 1000000)
#
# Needs hyperfine, jq and cc (and GNU time for the memory line); run
# from anywhere after `make`.
set -eu

N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${EDAKIT_BIN:-$ROOT/build/bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
export EDAKIT_DETERMINISTIC=1

# Input: NDJSON lines like application logs (about 110 bytes each).
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"level\":\"INFO\",\"seq\":%d,\"msg\":\"GET /orders/%d 200\",\"latency\":%d.%d,\"user\":\"u%05d\"}\n",
	    i, i % 9973, i % 500, i % 10, i % 100000 }' > "$T/in"
q=$((N / 4))
split -l "$q" -d -a 1 "$T/in" "$T/part"

median() {
	jq -r ".results[$1].median" "$T/h.json"
}

# Print the last run's records/s: the baseline (command 0, named BASE)
# against ours (command 1, named OURS), and their ratio.
show() {
	awk -v n="$N" -v c="$(median 0)" -v w="$(median 1)" -v l="$1" \
	    -v o="$2" -v b="$3" 'BEGIN {
	printf "%s: %s %.0f rec/s, %s %.0f rec/s, ratio %.2f\n",
	    l, o, n / w, b, n / c, c / w }'
}

run() {
	hyperfine -N --warmup 1 --runs "${RUNS:-7}" --export-json "$T/h.json" \
	    --style none "$@" >/dev/null 2>&1 || hyperfine --warmup 1 \
	    --runs "${RUNS:-7}" --export-json "$T/h.json" --style none \
	    "$@" >/dev/null
}

echo "cwlog bench: $N records, $(wc -c < "$T/in") bytes of input"

# 1. One writer against cat >> file.
run --prepare "rm -rf $T/st $T/cat.out" \
    "sh -c 'cat $T/in >> $T/cat.out'" \
    "$BIN/cwlog-write --store $T/st -g g -n s $T/in"
show "append, 1 writer" "cwlog-write" "cat >> file (target ratio >= 0.5)"

# 1a. The floor of any writer of this store format: copying the finished
# segment (exactly the bytes the store must hold, about twice the
# input: each message JSON-quoted in its record) with dd, against the
# same baseline.
rm -rf "$T/st"
"$BIN/cwlog-write" --store "$T/st" -g g -n s "$T/in"
run --prepare "rm -f $T/cat.out $T/dd.out" \
    "sh -c 'cat $T/in >> $T/cat.out'" \
    "dd if=$T/st/g/seg-00000001.ndjson of=$T/dd.out bs=1M status=none"
show "write floor, dd of the segment ($(wc -c < "$T/st/g/seg-00000001.ndjson") bytes)" \
    "dd" "cat >> file"

# 1c. The least a writer of this format does (cwlog-floor.c, built here
# against the toolkit's own quoting): read, split, check, quote, write.
cc -O2 -D_GNU_SOURCE -I"$ROOT/common" -o "$T/floor" "$ROOT/tests/bench/cwlog-floor.c" \
    "$ROOT/common/jsonraw.c" "$ROOT/common/sbuf.c" "$ROOT/common/xalloc.c"
rm -f "$T/floor.out"
"$T/floor" "$T/in" "$T/floor.out"
# It must write exactly the records cwlog-write wrote.
cmp -s "$T/st/g/seg-00000001.ndjson" "$T/floor.out" ||
    { echo "cwlog bench: the floor's records differ" >&2; exit 1; }
run --prepare "rm -f $T/cat.out $T/floor.out" \
    "sh -c 'cat $T/in >> $T/cat.out'" \
    "$T/floor $T/in $T/floor.out"
show "format floor, cwlog-floor" "cwlog-floor" "cat >> file"

# 1b. The same through a pipe, as at the end of a pipeline: GNU cat
# copies a file to a file inside the kernel (copy_file_range), which no
# program that looks at its records can do.
run --prepare "rm -rf $T/st $T/cat.out" \
    "sh -c 'cat $T/in | cat >> $T/cat.out'" \
    "sh -c 'cat $T/in | $BIN/cwlog-write --store $T/st -g g -n s'"
show "append from a pipe" "cwlog-write" "cat >> file"

# 2. Four writers into one stream at once.
run --prepare "rm -rf $T/st $T/cat.out" \
    "sh -c 'for p in $T/part?; do cat \$p >> $T/cat.out & done; wait'" \
    "sh -c 'for p in $T/part?; do $BIN/cwlog-write --store $T/st -g g -n s \$p & done; wait'"
show "append, 4 writers" "cwlog-write" "4 x cat >> file"
n=$(cat "$T"/st/g/seg-*.ndjson | wc -l)
[ "$n" = "$N" ] || { echo "lost records: $n of $N" >&2; exit 1; }

# 3. Reading a 1,000,000-record group (4 streams) back as ndjson.
rm -rf "$T/st"
for p in "$T"/part?; do
	"$BIN/cwlog-write" --store "$T/st" -g g -n "s${p##*part}" "$p"
done
run "sh -c 'cat $T/st/g/seg-*.ndjson > /dev/null'" \
    "sh -c '$BIN/cwlog-tail --store $T/st g --since 1w --format ndjson > /dev/null'"
show "read" "cwlog-tail --format ndjson" "cat"
run "sh -c 'cat $T/st/g/seg-*.ndjson | cat > /dev/null'" \
    "sh -c '$BIN/cwlog-tail --store $T/st g --since 1w --format ndjson | cat > /dev/null'"
show "read into a pipe" "cwlog-tail --format ndjson" "cat"
if [ -x /usr/bin/time ]; then
	kb=$(/usr/bin/time -f %M "$BIN/cwlog-tail" --store "$T/st" g \
	    --since 1w --format ndjson 2>&1 >/dev/null | tail -n 1)
	echo "read: peak memory $((kb / 1024)) MB for $(du -sm "$T/st/g" |
	    cut -f1) MB of segments"
fi
