#!/usr/bin/env bats
# The AWS-recorded EventBridge pattern corpus ($SHARED/conformance): every
# case must give AWS's verdict, and every invalid pattern AWS's exact
# reason.  Patterns and events reach ebus-match as the exact bytes of the
# corpus (number spellings such as 300.0, duplicated keys), laid out per
# area in one pass by test_helper/conformance.py; one test per area, and
# each failing case is named with the difference.

load test_helper/common
load test_helper/conformance

CORPUS="$SHARED/conformance/eventbridge-patterns.ndjson"
CASES="$BATS_FILE_TMPDIR/eventbridge"

# The areas and their case counts; a case outside them fails "areas".
AREAS="anything-but 28
anything-but-prefix-suffix 27
anything-but-wildcard 12
cidr 10
equals-ignore-case 6
exact-values 15
exists 11
numeric 10
or 7
pattern-syntax 9
prefix-suffix 14
structure 13
wildcard 10"

setup_file() {
	[ -f "$CORPUS" ] || return 0
	python3 "$ROOT/tests/test_helper/conformance.py" eventbridge \
	    "$CORPUS" "$CASES"
}

setup() {
	need_shared
	[ -f "$CORPUS" ] || skip "$CORPUS is absent"
}

# What ebus-match says of one case, in the corpus's terms.
verdict() {
	local rc=0 got
	got=$(ebus-match -q -f "$1/pattern" < "$1/event" 2>&1) || rc=$?
	case $rc:$got in
	0:) echo match ;;
	1:) echo no-match ;;
	3:ebus-match:\ *) echo "invalid: ${got#ebus-match: }" ;;
	*) echo "exit $rc: $got" ;;
	esac
}

@test "areas: every case of the corpus is in an area below, 172 in all" {
	run -0 cat "$CASES/areas"
	assert_output "$AREAS"
	assert_equal "$(awk '{ n += $2 } END { print n }' "$CASES/areas")" 172
}

@test "anything-but" { run_area anything-but; }
@test "anything-but-prefix-suffix" { run_area anything-but-prefix-suffix; }
@test "anything-but-wildcard" { run_area anything-but-wildcard; }
@test "cidr" { run_area cidr; }
@test "equals-ignore-case" { run_area equals-ignore-case; }
@test "exact-values" { run_area exact-values; }
@test "exists" { run_area exists; }
@test "numeric" { run_area numeric; }
@test "or" { run_area or; }
@test "pattern-syntax" { run_area pattern-syntax; }
@test "prefix-suffix" { run_area prefix-suffix; }
@test "structure" { run_area structure; }
@test "wildcard" { run_area wildcard; }

@test "the corpus reaches ebus-match byte for byte: 300.0, 101.0, a duplicated key" {
	# jq would have given 300 and 101 and one "location": the cases
	# would not test what they claim
	d=$(grep -lx number_comparison_float "$CASES"/*/*/name)
	run -0 grep -c '"number":300.0}$' "${d%/name}/event"
	d=$(grep -lx numeric-int-float "$CASES"/*/*/name)
	run -0 grep -c '"number":101.0}$' "${d%/name}/event"
	d=$(grep -lx py:test_event_pattern_with_multi_key "$CASES"/*/*/name)
	run -0 grep -o '"location"' "${d%/name}/pattern"
	assert_equal "${#lines[@]}" 2
}
