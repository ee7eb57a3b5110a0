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
# target, CPU seconds, executions, corpus size, findings, the exit
# statuses of the run and of the leak pass; exits 1 on a finding.
#
# Leaks are looked for after the run, on every input of the corpus, not
# during it: libjq 1.6 leaks on some parse errors, and telling its leak
# from ours needs whole stacks (libjq keeps no frame pointers), which
# the fuzzing loop cannot afford (and a leak check per suspect input
# stops the whole process each time).
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
# the CPU time is the bound: -max_total_time only stops a stuck run
# shellcheck disable=SC2086
nice -n 19 "$bin" -max_total_time=$((secs * 1000 + 3600)) -print_final_stats=1 \
    -detect_leaks=0 -artifact_prefix="$crash/" "$@" \
    "$corpus" $dirs >"$log" 2>&1 &
pid=$!
tck=$(getconf CLK_TCK)
cpu=0 stopped=0
while kill -0 "$pid" 2>/dev/null; do
	# utime and stime: fields 14 and 15, after the "(comm)" field
	t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null |
	    awk -v t="$tck" '{ printf "%d", ($12 + $13) / t }')
	[ -n "$t" ] && cpu=$t
	if [ "$cpu" -ge "$secs" ]; then
		kill -INT "$pid"
		stopped=1
		break
	fi
	sleep 2
done
# it prints its statistics and exits at once; do not wait forever
n=0
while [ "$stopped" = 1 ] && kill -0 "$pid" 2>/dev/null && [ $n -lt 60 ]; do
	sleep 1
	n=$((n + 1))
done
[ $n -ge 60 ] && kill -KILL "$pid"
wait "$pid"
status=$?
# libFuzzer exits 72 when interrupted
[ "$stopped" = 1 ] && [ "$status" = 72 ] && status=0
# the leak pass: each input once, with whole stacks
ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
LSAN_OPTIONS=suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
    nice -n 19 "$bin" -runs=0 -detect_leaks=1 -artifact_prefix="$crash/" \
    "$@" "$corpus" >"$build/log/$target.leaks.log" 2>&1
lstatus=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
csize=$(find "$corpus" -type f | wc -l)
found=$(find "$crash" -type f | wc -l)
printf '%s\tcpu %ss\texecs %s\tcorpus %s\tfindings %s\tstatus %s/%s\n' \
    "$target" "$cpu" "${execs:-?}" "$csize" "$found" "$status" "$lstatus"
[ "$status" -eq 0 ] && [ "$lstatus" -eq 0 ] && [ "$found" -eq 0 ]
