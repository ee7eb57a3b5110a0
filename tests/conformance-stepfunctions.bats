#!/usr/bin/env bats
# The AWS-recorded Step Functions corpus ($SHARED/conformance/
# stepfunctions-cases.ndjson): every execution, in JSONPath and JSONata
# mode, with or without workflow variables, must end as it ended on AWS
# (status; output as a JSON value; error name; the cause, to the letter,
# where AWS's is recorded).
# Definitions, inputs and constant Task results reach sfn-run as the
# exact bytes of the corpus, laid out per area in one pass by
# test_helper/conformance.py; one test per area (the reference's areas),
# its counts on the TAP stream, each failing case named with its diff.

load test_helper/common

CORPUS="$SHARED/conformance/stepfunctions-cases.ndjson"
CASES="$BATS_FILE_TMPDIR/stepfunctions"

# The areas and their case counts; a case outside them fails "areas".
AREAS="choice 345
intrinsic 98
jsonata 91
map 42
other 61
variables 16"

# Cases that cannot pass, with the reason (name<TAB>reason, one a line).
EXCEPTIONS=""

setup_file() {
	[ -f "$CORPUS" ] || return 0
	python3 "$ROOT/tests/test_helper/conformance.py" stepfunctions \
	    "$CORPUS" "$CASES"
	printf '%s' "$EXCEPTIONS" > "$CASES/exceptions"
}

setup() {
	need_shared
	[ -f "$CORPUS" ] || skip "$CORPUS is absent"
}

# Run every case of one area, then judge them all.
run_area() {
	local area=$1 d res args rc
	[ -d "$CASES/$area" ] || { echo "no case in area $area"; return 1; }
	for d in "$CASES/$area"/*/; do
		d=${d%/}
		args=()
		while IFS= read -r res; do
			args+=(--task "$res")
		done < "$d/tasks"
		rc=0
		sfn-run --clock=virtual -H "$d/history" "${args[@]}" \
		    "$d/definition.json" < "$d/input.json" > "$d/stdout" \
		    2> "$d/stderr" || rc=$?
		echo "$rc" > "$d/rc"
	done
	run python3 "$ROOT/tests/test_helper/conformance.py" sfn-verdicts \
	    "$CASES/$area" "$CASES/exceptions"
	printf '%s\n' "$output" | grep '^#' >&3 || :
	printf '%s\n' "$output" | grep -v '^#' || :
	[ "$status" = 0 ]
}

@test "areas: every case of the corpus is in an area below, 653 in all" {
	run -0 cat "$CASES/areas"
	assert_output "$AREAS"
	assert_equal "$(awk '{ n += $2 } END { print n }' "$CASES/areas")" 653
}

@test "choice: Choice comparison operators" { run_area choice; }
@test "intrinsic: JSONPath intrinsic functions" { run_area intrinsic; }
@test "map: Map states" { run_area map; }
@test "other: paths, Parallel, Wait, Fail, Retry/Catch, context object" { run_area other; }
@test "jsonata: JSONata states" { run_area jsonata; }
@test "variables: workflow variables (Assign) in JSONPath states" {
	run_area variables
}

@test "totals: the whole corpus" {
	local area pass cases p=0 all=0
	while read -r area _; do
		[ -f "$CASES/$area/totals" ] || skip "area $area was not run"
		read -r pass cases < "$CASES/$area/totals"
		all=$((all + cases))
		p=$((p + pass))
	done < "$CASES/areas"
	echo "# the whole corpus: $p/$all pass" >&3
	assert_equal "$p" "$all"
}
