#!/usr/bin/env bats
# ebus-put: PutEvents entries to EventBridge events.

load test_helper/common

F="$BATS_TEST_DIRNAME/fixtures/ebus-put"

entry() {	# entry SOURCE DETAILTYPE DETAIL-STRING-JSON
	printf '{"Source":"%s","DetailType":"%s","Detail":%s}\n' "$1" "$2" "$3"
}

@test "entries become events, keys in AWS order, byte for byte" {
	run -0 --separate-stderr ebus-put "$F/entries.ndjson"
	assert_output "$(cat "$F/entries.expected")"
	assert_equal "$stderr" ""
}

@test "the AWS CLI entries file (a pretty-printed array) is one request" {
	run -0 --separate-stderr ebus-put --bus Orders "$F/cli-entries.json"
	assert_output '{"version":"0","id":"21274e75-05f2-437a-a918-2e1e8eeac212","detail-type":"Order Notification","source":"com.aws.orders","account":"123456789012","time":"2024-01-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"category":"lab-supplies","value":415,"location":"eu-west"}}'
}

@test "--response prints what aws events put-events prints, per request" {
	run -0 --separate-stderr ebus-put --bus Orders --response "$F/cli-entries.json"
	assert_output '{"FailedEntryCount":0,"Entries":[{"EventId":"21274e75-05f2-437a-a918-2e1e8eeac212"}]}'
}

@test "--response with a rejected entry in a batch" {
	run -1 --separate-stderr ebus-put --response <<<'[{"Source":"a","DetailType":"b","Detail":"{}"},{"Source":"a","DetailType":"b"},{"Source":"a","DetailType":"b","Detail":"[]"}]'
	assert_output '{"FailedEntryCount":2,"Entries":[{"EventId":"39734b8a-03e5-4c92-904e-7f014817e100"},{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Detail is not valid. Reason: Detail is a required argument."},{"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."}]}'
	assert_equal "$stderr" 'ebus-put: <stdin>:1: entry 1: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Detail is not valid. Reason: Detail is a required argument."}
ebus-put: <stdin>:1: entry 2: {"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."}'
}

@test "bare details with --source and --detail-type" {
	run -0 --separate-stderr ebus-put -s com.aws.orders -d "Order Notification" \
	    --resources arn:aws:s3:::a --resources arn:aws:s3:::b -T 2022-01-01 \
	    <<<'{"category":"lab-supplies","value":415}'
	assert_output '{"version":"0","id":"54be3ad0-74cf-4a37-92fe-cac94a6b6407","detail-type":"Order Notification","source":"com.aws.orders","account":"123456789012","time":"2022-01-01T00:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::a","arn:aws:s3:::b"],"detail":{"category":"lab-supplies","value":415}}'
}

@test "--source without --detail-type is a usage error" {
	run -2 --separate-stderr ebus-put -s a </dev/null
	assert_equal "$stderr" "ebus-put: --source and --detail-type go together"
}

@test "a bare detail that is not an object is a malformed record" {
	run -4 --separate-stderr ebus-put -s a -d b <<<'[1]'
	assert_equal "$stderr" "ebus-put: <stdin>:1: detail is not a JSON object"
}

@test "Source missing or empty: InvalidArgument, verbatim" {
	run -1 --separate-stderr ebus-put <<<'{"DetailType":"b","Detail":"{}"}
{"Source":"","DetailType":"b","Detail":"{}"}'
	assert_output ""
	assert_equal "$stderr" 'ebus-put: <stdin>:1: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid. Reason: Source is a required argument."}
ebus-put: <stdin>:2: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid. Reason: Source is a required argument."}'
}

@test "DetailType empty: InvalidArgument, verbatim" {
	run -1 --separate-stderr ebus-put <<<'{"Source":"a","DetailType":"","Detail":"{}"}'
	assert_equal "$stderr" 'ebus-put: <stdin>:1: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter DetailType is not valid. Reason: DetailType is a required argument."}'
}

@test "Detail missing: InvalidArgument, verbatim" {
	run -1 --separate-stderr ebus-put <<<'{"Source":"a","DetailType":"b"}'
	assert_equal "$stderr" 'ebus-put: <stdin>:1: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Detail is not valid. Reason: Detail is a required argument."}'
}

@test "Detail not a JSON object: MalformedDetail for each AWS-recorded form" {
	for d in '"NotJSON"' '"[]"' '"{{}"' '"\"NotJSON\""' '[1]' '7'; do
		run -1 --separate-stderr ebus-put <<<"{\"Source\":\"a\",\"DetailType\":\"b\",\"Detail\":$d}"
		assert_output ""
		assert_equal "$stderr" 'ebus-put: <stdin>:1: {"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."}'
	done
}

@test "checks run in AWS's order: Source before DetailType before Detail" {
	run -1 --separate-stderr ebus-put <<<'{"Detail":"[]"}'
	assert_equal "$stderr" 'ebus-put: <stdin>:1: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid. Reason: Source is a required argument."}'
	run -1 --separate-stderr ebus-put <<<'{"Source":"a","Detail":"[]"}'
	assert_equal "$stderr" 'ebus-put: <stdin>:1: {"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter DetailType is not valid. Reason: DetailType is a required argument."}'
}

@test "--errors writes rejections as NDJSON with their location" {
	run -1 --separate-stderr ebus-put -e "$BATS_TEST_TMPDIR/err" <<<'{"Source":"a","DetailType":"b","Detail":"{}"}
{"Source":"a","DetailType":"b"}'
	assert_output --partial '"detail-type":"b"'
	assert_equal "$stderr" ""
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output '{"Location":"<stdin>","Line":2,"EntryIndex":0,"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Detail is not valid. Reason: Detail is a required argument."}'
}

@test "size: 262,143 counted bytes pass, 262,144 fail the request" {
	pad() { head -c "$1" /dev/zero | tr '\0' x; }
	# 1 (Source) + 1 (DetailType) + 8 + n (Detail {"p":"..."})
	printf '{"Source":"s","DetailType":"d","Detail":"{\\"p\\":\\"%s\\"}"}\n' \
	    "$(pad 262133)" > "$BATS_TEST_TMPDIR/ok"
	printf '{"Source":"s","DetailType":"d","Detail":"{\\"p\\":\\"%s\\"}"}\n' \
	    "$(pad 262134)" > "$BATS_TEST_TMPDIR/over"
	run -0 --separate-stderr ebus-put --response "$BATS_TEST_TMPDIR/ok"
	assert_output '{"FailedEntryCount":0,"Entries":[{"EventId":"'"$(ebus-put --response "$BATS_TEST_TMPDIR/ok" | jq -r '.Entries[0].EventId')"'"}]}'
	run -1 --separate-stderr ebus-put "$BATS_TEST_TMPDIR/over"
	assert_output ""
	assert_equal "$stderr" "ebus-put: $BATS_TEST_TMPDIR/over:1: An error occurred (ValidationException) when calling the PutEvents operation: Total size of the entries in the request is over the limit."
	# Time counts 14 bytes
	printf '{"Source":"s","DetailType":"d","Time":"2022-01-01","Detail":"{\\"p\\":\\"%s\\"}"}\n' \
	    "$(pad 262120)" > "$BATS_TEST_TMPDIR/time"
	run -1 --separate-stderr ebus-put "$BATS_TEST_TMPDIR/time"
	assert_output ""
	# --max-size 1M raises the limit
	run -0 --separate-stderr ebus-put --max-size 1M "$BATS_TEST_TMPDIR/over"
	[ "$(jq -r '.detail.p | length' <<<"$output")" = 262134 ]
}

@test "--max-size is checked" {
	run -2 --separate-stderr ebus-put --max-size 2M </dev/null
	assert_equal "$stderr" "ebus-put: invalid size '2M': must be 1 to 1048576"
}

@test "a request of more than 10 entries fails whole, as on AWS" {
	run -1 --separate-stderr ebus-put <<<"[$(for i in $(seq 11); do printf '{"Source":"a","DetailType":"b","Detail":"{}"},'; done | sed 's/,$//')]"
	assert_output ""
	assert_equal "$stderr" "ebus-put: <stdin>:1: An error occurred (ValidationException) when calling the PutEvents operation: 1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"
}

@test "Time is normalised as AWS does" {
	for t in 2022-01-01 "2022-01-01 00:00:00Z" 2022-01-01T00:00:00Z \
	    2022-01-01T00:00:00.999Z 2022-01-01T02:00:00+02:00 2022-01-01T01:00:00+0100; do
		run -0 --separate-stderr ebus-put <<<"{\"Source\":\"a\",\"DetailType\":\"b\",\"Detail\":\"{}\",\"Time\":\"$t\"}"
		[ "$(jq -r .time <<<"$output")" = 2022-01-01T00:00:00Z ]
	done
	run -0 --separate-stderr ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}","Time":1640995200}'
	[ "$(jq -r .time <<<"$output")" = 2022-01-01T00:00:00Z ]
}

@test "an unreadable Time makes the record malformed" {
	run -4 --separate-stderr ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}","Time":"yesterday"}'
	assert_output ""
	assert_equal "$stderr" "ebus-put: <stdin>:1: Time is not a valid timestamp"
}

@test "no Time: the clock's time (fixed under the deterministic switch)" {
	run -0 --separate-stderr env EDAKIT_DETERMINISTIC=2025-06-30T23:59:59Z ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}"}'
	[ "$(jq -r .time <<<"$output")" = 2025-06-30T23:59:59Z ]
}

@test "a 2^53+1 integer in detail survives byte for byte (string and object Detail)" {
	run -0 --separate-stderr ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{\"n\": 9007199254740993, \"f\": 1.10, \"e\": 1E400}"}
{"Source":"a","DetailType":"b","Detail":{"n":9007199254740993,"f":1.10}}'
	[ "${lines[0]##*\"detail\":}" = '{"n":9007199254740993,"f":1.10,"e":1E400}}' ]
	[ "${lines[1]##*\"detail\":}" = '{"n":9007199254740993,"f":1.10}}' ]
}

@test "account and region come from options, then the environment" {
	run -0 --separate-stderr env AWS_ACCOUNT_ID=111111111111 AWS_DEFAULT_REGION=eu-west-1 ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}"}'
	[ "$(jq -c '[.account,.region]' <<<"$output")" = '["111111111111","eu-west-1"]' ]
	run -0 --separate-stderr env AWS_REGION=eu-west-2 AWS_DEFAULT_REGION=eu-west-1 ebus-put -a 222222222222 <<<'{"Source":"a","DetailType":"b","Detail":"{}"}'
	[ "$(jq -c '[.account,.region]' <<<"$output")" = '["222222222222","eu-west-2"]' ]
	run -0 --separate-stderr ebus-put -r ap-southeast-2 <<<'{"Source":"a","DetailType":"b","Detail":"{}"}'
	[ "$(jq -c '[.account,.region]' <<<"$output")" = '["123456789012","ap-southeast-2"]' ]
	run -2 --separate-stderr ebus-put -a 12 </dev/null
	assert_equal "$stderr" "ebus-put: invalid account '12': must be 12 digits"
	run -2 --separate-stderr ebus-put -r 'us east' </dev/null
	assert_equal "$stderr" "ebus-put: invalid region 'us east'"
}

@test "ids are random without the deterministic switch" {
	a=$(env -u EDAKIT_DETERMINISTIC ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}"}' | jq -r .id)
	b=$(env -u EDAKIT_DETERMINISTIC ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}"}' | jq -r .id)
	[[ "$a" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[ "$a" != "$b" ]
}

@test "entries for another bus go to --other-buses, or are reported" {
	in='{"Source":"a","DetailType":"b","Detail":"{}","EventBusName":"Inventory"}
{"Source":"a","DetailType":"c","Detail":"{}","EventBusName":"arn:aws:events:us-east-1:123456789012:event-bus/Orders"}'
	run -0 --separate-stderr ebus-put --bus Orders --other-buses "$BATS_TEST_TMPDIR/other" <<<"$in"
	[ "$(jq -r '."detail-type"' <<<"$output")" = c ]
	[ "$(jq -r '."detail-type"' "$BATS_TEST_TMPDIR/other")" = b ]
	run -1 --separate-stderr ebus-put --bus Orders <<<"$in"
	[ "$(jq -r '."detail-type"' <<<"$output")" = c ]
	assert_equal "$stderr" "ebus-put: <stdin>:1: event b950acf4-3111-4e6b-8cff-a1d00afd4387 for event bus 'Inventory' dropped: this stream is bus 'Orders' (see --other-buses)"
}

@test "entries without EventBusName are for the default bus" {
	run -1 --separate-stderr ebus-put --bus Orders <<<'{"Source":"a","DetailType":"b","Detail":"{}"}
{"Source":"a","DetailType":"b","Detail":"{}","EventBusName":""}'
	assert_output ""
	assert_equal "$stderr" "ebus-put: <stdin>:1: event 39734b8a-03e5-4c92-904e-7f014817e100 for event bus 'default' dropped: this stream is bus 'Orders' (see --other-buses)
ebus-put: <stdin>:2: event 9d33454b-190f-4e07-b741-8b0e0cd68849 for event bus 'default' dropped: this stream is bus 'Orders' (see --other-buses)"
	run -0 --separate-stderr ebus-put <<<'{"Source":"a","DetailType":"b","Detail":"{}"}'
	assert_output --partial '"detail-type":"b"'
}

@test "bare details belong to the --bus stream: none dropped, same ids" {
	run -0 --separate-stderr ebus-put -s com.aws.orders -d "Order Notification" \
	    --bus Orders <<<'{"value":415}
{"value":416}'
	assert_output '{"version":"0","id":"1f2611aa-b2f5-43f2-9bb7-f080b613cf04","detail-type":"Order Notification","source":"com.aws.orders","account":"123456789012","time":"2024-01-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"value":415}}
{"version":"0","id":"6264a63a-1a79-4893-b1e1-80e3694b7dcd","detail-type":"Order Notification","source":"com.aws.orders","account":"123456789012","time":"2024-01-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"value":416}}'
	assert_equal "$stderr" ""
	run -0 --separate-stderr ebus-put -s a -d b --bus Orders \
	    --other-buses "$BATS_TEST_TMPDIR/other" <<<'{}'
	assert_output --partial '"detail-type":"b"'
	[ ! -s "$BATS_TEST_TMPDIR/other" ]
}

@test "a dropped entry makes the exit status 1; the kept ones are written" {
	run -1 --separate-stderr ebus-put --bus Orders <<<'[{"Source":"a","DetailType":"b","Detail":"{}","EventBusName":"Orders"},{"Source":"a","DetailType":"c","Detail":"{}","EventBusName":"Inventory"}]
{"Source":"a","DetailType":"d","Detail":"{}","EventBusName":"Orders"}'
	assert_equal "$(jq -r '."detail-type"' <<<"$output")" "b
d"
	assert_equal "$stderr" "ebus-put: <stdin>:1: event 4b0e172f-4d55-429d-88d7-1ce66281e367 for event bus 'Inventory' dropped: this stream is bus 'Orders' (see --other-buses)"
}

@test "captured events pass through unchanged" {
	run -0 --separate-stderr ebus-put "$F/captured.ndjson"
	assert_output "$(cat "$F/captured.ndjson")"
}

@test "--replay adds replay-name and keeps id and time; window is [start, end)" {
	run -0 --separate-stderr ebus-put --replay r1 --start 2024-01-01T12:00:00Z \
	    --end 2024-01-01T13:00:00Z "$F/captured.ndjson"
	assert_output '{"version":"0","id":"00000000-0000-4000-8000-000000000002","detail-type":"Order Notification","source":"com.aws.orders","account":"111111111111","time":"2024-01-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"n":2},"replay-name":"r1"}
{"version":"0","id":"00000000-0000-4000-8000-000000000003","detail-type":"Order Notification","source":"com.aws.orders","account":"111111111111","time":"2024-01-01T12:59:59Z","region":"us-east-1","resources":[],"detail":{"n":3},"replay-name":"r1"}'
}

@test "--replay keeps exact numbers and skips events that are replays already" {
	run -0 --separate-stderr ebus-put --replay r2 --start 2024-01-01T13:00:00Z "$F/captured.ndjson"
	assert_output '{"version":"0","id":"00000000-0000-4000-8000-000000000004","detail-type":"Order Notification","source":"com.aws.orders","account":"111111111111","time":"2024-01-01T13:00:00Z","region":"us-east-1","resources":[],"detail":{"n":4,"big":9007199254740993},"replay-name":"r2"}'
	run -0 --separate-stderr bash -c "ebus-put --replay r2 '$F/captured.ndjson' | ebus-put --replay r3"
	assert_output ""
}

@test "--replay names and window times are checked" {
	run -2 --separate-stderr ebus-put --replay 'bad name' </dev/null
	assert_equal "$stderr" "ebus-put: invalid replay name 'bad name'"
	run -2 --separate-stderr ebus-put --start nope </dev/null
	assert_equal "$stderr" "ebus-put: invalid start time 'nope'"
}

@test "an event lacking an envelope field is malformed" {
	run -4 --separate-stderr ebus-put <<<'{"detail-type":"x","source":"a","detail":{}}'
	assert_equal "$stderr" "ebus-put: <stdin>:1: event lacks 'version'"
}

@test "a malformed line between two good ones: both good ones come out" {
	in='{"Source":"a","DetailType":"one","Detail":"{}"}
{"Source":"a", bad
{"Source":"a","DetailType":"three","Detail":"{}"}'
	run -4 --separate-stderr ebus-put --keep-going <<<"$in"
	[ "$(jq -r '."detail-type"' <<<"$output" | tr '\n' ' ')" = "one three " ]
	assert_equal "$stderr" "ebus-put: <stdin>:2: invalid JSON: Invalid numeric literal at EOF at line 1, column 18"
	# without --keep-going it stops at the bad line, keeping what came before
	run -4 --separate-stderr ebus-put <<<"$in"
	[ "$(jq -r '."detail-type"' <<<"$output")" = one ]
}

@test "malformed input: NUL bytes, invalid UTF-8, extra values, wrong types" {
	run -4 --separate-stderr ebus-put -k < <(printf '{"Source":"a\0"}\n{"Source":"\xff"}\n{} {}\n"str"\n{"Source":1}\n{"Source":"a","DetailType":"b","Detail":"{}","Resources":[1]}\n')
	assert_output ""
	assert_equal "$stderr" 'ebus-put: <stdin>:1: invalid JSON: NUL byte in input
ebus-put: <stdin>:2: invalid UTF-8 at byte 12
ebus-put: <stdin>:3: invalid JSON: Unexpected extra JSON values
ebus-put: <stdin>:4: expected an entry, an array of entries or an event
ebus-put: <stdin>:5: Source must be a string
ebus-put: <stdin>:6: Resources must be an array of strings'
}

@test "blank lines are skipped and line numbers stay right; files are located" {
	printf '\n\n{"Source":"a"}\n' > "$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr ebus-put "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "ebus-put: $BATS_TEST_TMPDIR/in:3: {\"ErrorCode\":\"InvalidArgument\",\"ErrorMessage\":\"Parameter DetailType is not valid. Reason: DetailType is a required argument.\"}"
}

@test "a missing input file is exit 2, other files are still read" {
	run -2 --separate-stderr ebus-put "$BATS_TEST_TMPDIR/none" "$F/captured.ndjson"
	assert_equal "${#lines[@]}" 4
	assert_equal "$stderr" "ebus-put: $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "100,000 entries in one run" {
	run -0 bash -c "yes '{\"Source\":\"a\",\"DetailType\":\"b\",\"Detail\":\"{\\\"n\\\":1}\"}' |
	    head -n 100000 | ebus-put | jq -r .id | sort -u | wc -l"
	assert_output 100000
}

@test "-u flushes each event as it is made (a FIFO reader sees it at once)" {
	# The input stays open until the reader has the event: without -u
	# the event would wait for the end of the input, and timeout(1) only
	# turns that deadlock into a failure.
	run -0 timeout 60 bash -c "
	    cd '$BATS_TEST_TMPDIR' && mkfifo f hold
	    { echo '{\"Source\":\"a\",\"DetailType\":\"b\",\"Detail\":\"{}\"}'
	      cat hold; } | ebus-put -u > f &
	    exec 6>hold
	    head -n 1 f
	    exec 6>&-
	    wait"
	assert_output --partial '"detail-type":"b"'
}

@test "--replay on a terminal keeps a progress line on stderr" {
	run -0 script -qec "ebus-put --replay r '$F/captured.ndjson' >/dev/null" /dev/null
	[[ "$output" == *"ebus-put: replay r: 4 records, 0.0 MB, "*" records/s"* ]]
	# not on a pipe or file
	run -0 --separate-stderr ebus-put --replay r "$F/captured.ndjson"
	assert_equal "$stderr" ""
}
