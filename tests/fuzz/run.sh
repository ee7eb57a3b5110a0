#!/bin/sh
# run.sh: run one libFuzzer target for a given CPU time (not wall time:
# the machine may be shared), then stop it with SIGINT so that it prints
# its final statistics.
#
#	sh tests/fuzz/run.sh BUILD TARGET SECONDS [LIBFUZZER-FLAG...]
#
# BUILD is the fuzz build tree (build-fuzz).  New inputs go to
# BUILD/corpus/TARGET, findings to BUILD/crash/TARGET/, the log to
# BUILD/log/TARGET.log; the corpus is seeded from BUILD/seeds/TARGET,
# tests/fuzz/seeds/TARGET and tests/fuzz/known/TARGET.  Prints one line:
# target, CPU seconds, executions, corpus size, findings; exits 1 when
# there is a finding.
set -u
build=$1 target=$2 secs=$3
shift 3
bin=$build/bin/fuzz-$target
corpus=$build/corpus/$target
crash=$build/crash/$target
log=$build/log/$target.log
mkdir -p "$corpus" "$crash" "$build/log"
dirs=""
for d in "$build/seeds/$target" "tests/fuzz/seeds/$target" \
    "tests/fuzz/known/$target"; do
	[ -d "$d" ] && dirs="$dirs $d"
done
# -max_total_time only bounds a run whose CPU share is tiny
# shellcheck disable=SC2086
nice -n 19 "$bin" -max_total_time=$((secs * 20)) -print_final_stats=1 \
    -interrupted_exitcode=0 -artifact_prefix="$crash/" "$@" \
    "$corpus" $dirs >"$log" 2>&1 &
pid=$!
tck=$(getconf CLK_TCK)
cpu=0
while kill -0 "$pid" 2>/dev/null; do
	# utime and stime: fields 14 and 15, after the "(comm)" field
	t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null |
	    awk -v t="$tck" '{ printf "%d", ($12 + $13) / t }')
	[ -n "$t" ] && cpu=$t
	if [ "$cpu" -ge "$secs" ]; then
		kill -INT "$pid"
		break
	fi
	sleep 2
done
wait "$pid"
status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
csize=$(find "$corpus" -type f | wc -l)
found=$(find "$crash" -type f | wc -l)
printf '%s\tcpu %ss\texecs %s\tcorpus %s\tfindings %s\tstatus %s\n' \
    "$target" "$cpu" "${execs:-?}" "$csize" "$found" "$status"
[ "$status" -eq 0 ] && [ "$found" -eq 0 ]
