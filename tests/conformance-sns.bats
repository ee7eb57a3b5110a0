#!/usr/bin/env bats
# The AWS-recorded SNS filter-policy corpus ($SHARED/conformance): every
# case must give AWS's verdict (delivered or not, policy accepted or
# refused), and every refused policy AWS's exact message.  Policies and
# messages reach sns-publish as the exact bytes of the corpus, laid out
# per area in one pass by test_helper/conformance.py (a subscription
# line, a Publish line); one test per area, and each failing case is
# named with the difference.  PublishBatch cases are published one by
# one: the verdict is the policy's.

load test_helper/common
load test_helper/conformance

CORPUS="$SHARED/conformance/sns-filter-policy.ndjson"
CASES="$BATS_FILE_TMPDIR/sns"

# The areas and their case counts; a case outside them fails "areas".
AREAS="attributes 11
body 8
body-arrays 7
body-dotted-keys 7
cidr 3
complexity 4
nesting 5
or 9
validate-exists-anything-but 8
validate-numeric 11
validate-syntax 10"

setup_file() {
	[ -f "$CORPUS" ] || return 0
	python3 "$ROOT/tests/test_helper/conformance.py" sns "$CORPUS" \
	    "$CASES"
}

setup() {
	need_shared
	[ -f "$CORPUS" ] || skip "$CORPUS is absent"
}

# What sns-publish says of one case, in the corpus's terms: the queue
# got the message, or not; the policy was accepted, or refused with
# AWS's message.
verdict() {
	local rc=0 got prefix="sns-publish: $1/subscriptions:1: InvalidParameter: "
	rm -f "$1/queue"
	got=$(sns-publish -S "$1/subscriptions" -t queue="$1/queue" \
	    "$1/publish" 2>&1 >/dev/null) || rc=$?
	case $rc:$got in
	0:) if [ ! -s "$1/publish" ]; then echo valid
	    elif [ -s "$1/queue" ]; then echo match
	    else echo no-match; fi ;;
	3:"$prefix"*) echo "invalid: ${got#"$prefix"}" ;;
	*) echo "exit $rc: $got" ;;
	esac
}

@test "areas: every case of the corpus is in an area below, 83 in all" {
	run -0 cat "$CASES/areas"
	assert_output "$AREAS"
	assert_equal "$(awk '{ n += $2 } END { print n }' "$CASES/areas")" 83
}

@test "attributes" { run_area attributes; }
@test "body" { run_area body; }
@test "body-arrays" { run_area body-arrays; }
@test "body-dotted-keys" { run_area body-dotted-keys; }
@test "cidr" { run_area cidr; }
@test "complexity" { run_area complexity; }
@test "nesting" { run_area nesting; }
@test "or" { run_area or; }
@test "validate-exists-anything-but" { run_area validate-exists-anything-but; }
@test "validate-numeric" { run_area validate-numeric; }
@test "validate-syntax" { run_area validate-syntax; }
