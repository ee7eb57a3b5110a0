#!/usr/bin/env bats
# The AWS-recorded EventBridge pattern corpus ($SHARED/conformance):
# every case must give AWS's verdict, and every invalid pattern AWS's
# exact reason.

load test_helper/common

@test "eventbridge-patterns.ndjson: 172 AWS-recorded cases, all pass" {
	need_shared
	corpus="$SHARED/conformance/eventbridge-patterns.ndjson"
	[ -f "$corpus" ] || skip "$corpus is absent"
	cases="$BATS_TEST_TMPDIR/cases"
	# name, expect, pattern text, event, expected message: one per line
	jq -r '[.name, .expect,
	    (if has("pattern_text") then .pattern_text else (.pattern | tojson) end),
	    (.event | tojson), (.aws_error // "")] | @json' "$corpus" > "$cases"
	n=0 failed=""
	while IFS= read -r c; do
		name=$(jq -r '.[0]' <<<"$c")
		expect=$(jq -r '.[1]' <<<"$c")
		pattern=$(jq -j '.[2]' <<<"$c")
		event=$(jq -j '.[3]' <<<"$c")
		want=$(jq -r '.[4]' <<<"$c")
		rc=0
		got=$(printf '%s\n' "$event" |
		    ebus-match -q -p "$pattern" 2>&1) || rc=$?
		case $expect in
		match) [ $rc = 0 ] ;;
		no-match) [ $rc = 1 ] ;;
		invalid) [ $rc = 3 ] && [ "$got" = "ebus-match: $want" ] ;;
		esac || failed="$failed $name(rc=$rc:$got)"
		n=$((n + 1))
	done < "$cases"
	assert_equal "$n" 172
	assert_equal "$failed" ""
}
