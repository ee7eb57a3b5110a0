#!/usr/bin/env bats
# lambda-invoke --event-source-arn: Lambda's SQS event source.  Batches,
# ReportBatchItemFailures, visibility timeouts and receive counts on the
# virtual clock, the dead-letter queue, FIFO message groups, bad input.

load test_helper/common

F="$FIXTURES/lambda-invoke"
Q=arn:aws:sqs:us-east-1:123456789012:Orders

# N messages in the queue stream's shape, bodies from the arguments
# (or "ok"), ids m1, m2, ...: on stdout, or with `queue` in the file $q,
# whole before the program starts (a pipe would batch as lines come).
q="$BATS_TEST_TMPDIR/queue"
queue() {
	messages "$@" >"$q"
}

messages() {
	local n=$1 i body
	shift
	for ((i = 1; i <= n; i++)); do
		body=${1:-ok}
		[ $# -gt 0 ] && shift
		jq -nc --arg id "m$i" --arg b "$body" \
		    '{MessageId: $id, Body: $b, Attributes: {SentTimestamp:
		    "1704110399000", SenderId: "AIDAIENQZJOLO23YVJ4VO"}}'
	done
}

# The handler with its events and clock recorded in the test's directory.
handler() {
	SQS_EVENTS="$BATS_TEST_TMPDIR/events" SQS_CLOCK="$BATS_TEST_TMPDIR/clock" \
	    lambda-invoke -q "$@" "$F/sqs-handler"
}

# What each invocation got: message ids with their receive counts.
batches() {
	jq -c '[.Records[] | .messageId + ":" + .attributes.ApproximateReceiveCount]' \
	    "$BATS_TEST_TMPDIR/events"
}

@test "the recorded partial batch: 3 failures, then 1, which reaches the DLQ with its MessageId" {
	run -1 --separate-stderr handler --event-source-arn "$Q" \
	    --function-response-types ReportBatchItemFailures \
	    --max-receive-count 2 <"$F/sqs-partial.ndjson"
	assert_output "$(cat "$F/sqs-partial.dlq")"
	assert_equal "$stderr" "lambda-invoke: Orders: 4 messages: 3 deleted, 1 to the dead-letter queue (2 invocations, 7 receives)"
	# The events, byte for byte, in the key order AWS records.
	cmp "$BATS_TEST_TMPDIR/events" "$F/sqs-partial.events"
	# The second delivery comes after the 30 s visibility timeout.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/clock")" $'1704110403000\n1704110433000'
}

@test "a function error fails the whole batch: redelivered with growing counts, then the DLQ" {
	queue 2 ok crash
	run -1 --separate-stderr handler --event-source-arn Orders \
	    --visibility-timeout 60 --max-receive-count 3 <"$q"
	assert_equal "$(batches)" $'["m1:1","m2:1"]\n["m1:2","m2:2"]\n["m1:3","m2:3"]'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/clock")" $'1704110403000\n1704110463000\n1704110523000'
	assert_equal "$(jq -c '[.MessageId, .Body, .Attributes.ApproximateReceiveCount, .Attributes.ApproximateFirstReceiveTimestamp, .Attributes.DeadLetterQueueSourceArn]' <<<"$output")" \
	    $'["m1","ok","4","1704110400000","arn:aws:sqs:us-east-1:123456789012:Orders"]\n["m2","crash","4","1704110400000","arn:aws:sqs:us-east-1:123456789012:Orders"]'
	assert_equal "$stderr" "lambda-invoke: Orders: 2 messages: 0 deleted, 2 to the dead-letter queue (3 invocations, 6 receives)"
}

@test "the visibility timeout costs no real time on the virtual clock" {
	# Four 12-hour waits: timeout(1) fails the test if one is real (no
	# bound on how fast the machine is).
	queue 1 crash
	run -1 --separate-stderr timeout 600 env SQS_EVENTS="$BATS_TEST_TMPDIR/events" \
	    SQS_CLOCK="$BATS_TEST_TMPDIR/clock" lambda-invoke -q \
	    --event-source-arn Orders --visibility-timeout 43200 \
	    --max-receive-count 5 "$F/sqs-handler" <"$q"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/clock")" 5
	assert_equal "$(tail -1 "$BATS_TEST_TMPDIR/clock")" $((1704110403000 + 4 * 43200000))
	# The same with --clock=virtual and no deterministic switch.
	rm "$BATS_TEST_TMPDIR/clock"
	run -1 --separate-stderr timeout 600 env EDAKIT_DETERMINISTIC= SQS_CLOCK="$BATS_TEST_TMPDIR/clock" \
	    lambda-invoke -q --clock=virtual --event-source-arn Orders \
	    --visibility-timeout 43200 --max-receive-count 5 "$F/sqs-handler" <"$q"
	assert_equal "$(jq -r .Attributes.ApproximateReceiveCount <<<"$output")" 6
	first=$(head -1 "$BATS_TEST_TMPDIR/clock")
	assert_equal "$(tail -1 "$BATS_TEST_TMPDIR/clock")" $((first + 4 * 43200000))
}

@test "complete success: null, empty, {} and empty or null batchItemFailures" {
	queue 5 'respond:null' 'respond:' 'respond:{}' \
	    'respond:{"batchItemFailures":[]}' 'respond:{"batchItemFailures":null}'
	run -0 --separate-stderr handler --event-source-arn Orders --batch-size 1 \
	    --function-response-types ReportBatchItemFailures --max-receive-count 1 \
	    <"$q"
	assert_output ""
	assert_equal "$stderr" "lambda-invoke: Orders: 5 messages: 5 deleted, 0 to the dead-letter queue (5 invocations, 5 receives)"
}

@test "a malformed batchItemFailures fails the whole batch, with a warning naming the request" {
	queue 7 'respond:{"batchItemFailures":[{"foo":"notvalid"}]}' \
	    'respond:{"batchItemFailures":[{"itemIdentifier":""}]}' \
	    'respond:{"batchItemFailures":[{"itemIdentifier":null}]}' \
	    'respond:{"batchItemFailures":[{"itemIdentifier":"m9"}]}' \
	    'respond:{"batchItemFailures":"m5"}' 'respond:["m6"]' \
	    'respond:{"batchItemFailures":[{"itemIdentifier":"m7"}]}'
	run -1 --separate-stderr handler --event-source-arn Orders --batch-size 1 \
	    --function-response-types ReportBatchItemFailures --max-receive-count 1 \
	    <"$q"
	assert_equal "$(jq -r .MessageId <<<"$output" | tr '\n' ' ')" "m1 m2 m3 m4 m5 m6 m7 "
	u='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
	[[ "${stderr_lines[0]}" =~ ^"lambda-invoke: request "$u": an element of batchItemFailures has no itemIdentifier string: the whole batch failed"$ ]]
	[[ "${stderr_lines[1]}" =~ ^"lambda-invoke: request "$u": an element of batchItemFailures has no itemIdentifier string: the whole batch failed"$ ]]
	[[ "${stderr_lines[2]}" =~ ^"lambda-invoke: request "$u": an element of batchItemFailures has no itemIdentifier string: the whole batch failed"$ ]]
	[[ "${stderr_lines[3]}" =~ ^"lambda-invoke: request "$u": itemIdentifier 'm9' is not a message of the batch: the whole batch failed"$ ]]
	[[ "${stderr_lines[4]}" =~ ^"lambda-invoke: request "$u": batchItemFailures is not an array: the whole batch failed"$ ]]
	[[ "${stderr_lines[5]}" =~ ^"lambda-invoke: request "$u": the response is not an object: the whole batch failed"$ ]]
	assert_equal "${stderr_lines[6]}" "lambda-invoke: Orders: 7 messages: 0 deleted, 7 to the dead-letter queue (7 invocations, 7 receives)"
	assert_equal "${#stderr_lines[@]}" 7
}

@test "without ReportBatchItemFailures a batchItemFailures response is a success" {
	queue 3 ok fail-always ok
	run -0 --separate-stderr handler --event-source-arn Orders \
	    <"$q"
	assert_output ""
	assert_equal "$stderr" "lambda-invoke: Orders: 3 messages: 3 deleted, 0 to the dead-letter queue (1 invocation, 3 receives)"
}

@test "BatchSize: 10 by default, 1 to 10000; over 10 takes a batching window" {
	queue 25
	run -0 --separate-stderr handler --event-source-arn Orders <"$q"
	assert_equal "$(jq -c '.Records | length' "$BATS_TEST_TMPDIR/events" | tr '\n' ' ')" "10 10 5 "
	rm "$BATS_TEST_TMPDIR/events"
	run -2 --separate-stderr handler --event-source-arn Orders --batch-size 20 </dev/null
	assert_equal "$stderr" "lambda-invoke: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
	run -0 --separate-stderr handler --event-source-arn Orders --batch-size 20 \
	    --maximum-batching-window-in-seconds 1 <"$q"
	assert_equal "$(jq -c '.Records | length' "$BATS_TEST_TMPDIR/events" | tr '\n' ' ')" "20 5 "
	run -2 --separate-stderr handler --event-source-arn Orders --batch-size 10001 </dev/null
	assert_equal "${stderr_lines[0]}" "lambda-invoke: invalid batch size '10001': must be 1 to 10000"
	run -2 --separate-stderr handler --event-source-arn Orders \
	    --maximum-batching-window-in-seconds 301 </dev/null
	assert_equal "${stderr_lines[0]}" "lambda-invoke: invalid maximum batching window '301': must be 0 to 300"
}

@test "a batch stops short of the 6 MB payload limit" {
	for ((i = 1; i <= 10; i++)); do
		jq -nc --arg id "m$i" '{MessageId: $id, Body: ("x" * 1000000)}'
	done >"$q"
	# (6 MB through jq: a timeout no load reaches)
	run -0 --separate-stderr handler --event-source-arn Orders \
	    --timeout 120 --visibility-timeout 300 <"$q"
	assert_equal "$(jq -c '.Records | length' "$BATS_TEST_TMPDIR/events" | tr '\n' ' ')" "6 4 "
}

@test "the batching window holds a batch for messages still to come (real clock)" {
	run -0 --separate-stderr env EDAKIT_DETERMINISTIC= SQS_EVENTS="$BATS_TEST_TMPDIR/events" \
	    lambda-invoke -q --event-source-arn Orders --batch-size 20 \
	    --maximum-batching-window-in-seconds 3 "$F/sqs-handler" \
	    < <(messages 1; sleep 1; messages 2 | tail -1)
	assert_equal "$(batches)" '["m1:1","m2:1"]'
	rm "$BATS_TEST_TMPDIR/events"
	# Without one, m1 goes alone (m2 is sent once m1 was invoked).
	run -0 --separate-stderr env EDAKIT_DETERMINISTIC= SQS_EVENTS="$BATS_TEST_TMPDIR/events" \
	    lambda-invoke -q --event-source-arn Orders "$F/sqs-handler" \
	    < <(messages 1
		for ((i = 0; i < 200; i++)); do
			[ -s "$BATS_TEST_TMPDIR/events" ] && break
			sleep 0.05
		done
		messages 2 | tail -1)
	assert_equal "$(batches)" $'["m1:1"]\n["m2:1"]'
}

@test "the visibility timeout must cover the function timeout, as AWS requires" {
	run -2 --separate-stderr handler --event-source-arn Orders --visibility-timeout 5 -T 6 </dev/null
	assert_equal "$stderr" "lambda-invoke: Queue visibility timeout: 5 seconds is less than Function timeout: 6 seconds"
}

@test "FIFO: order within a group, the group stops at its first failure" {
	fifo() {
		local id=$1 g=$2 b=$3
		jq -nc --arg id "$id" --arg g "$g" --arg b "$b" \
		    '{MessageId: $id, Body: $b, Attributes: {SentTimestamp: "1704110399000",
		    SenderId: "AIDAIENQZJOLO23YVJ4VO", MessageGroupId: $g,
		    MessageDeduplicationId: $id, SequenceNumber: "18849496460467696128"}}'
	}
	{ fifo a1 A ok; fifo a2 A fail-once; fifo b1 B ok; fifo a3 A ok
	  fifo b2 B ok; } >"$q"
	run -0 --separate-stderr handler --event-source-arn Orders.fifo \
	    --function-response-types ReportBatchItemFailures --batch-size 3 \
	    <"$q"
	# a2 failed: a3 waits behind it; B goes on.
	assert_equal "$(batches)" $'["a1:1","a2:1","b1:1"]\n["b2:1"]\n["a2:2","a3:1"]'
	assert_equal "$(head -1 "$BATS_TEST_TMPDIR/events" | jq -c '.Records[0].attributes')" \
	    '{"ApproximateReceiveCount":"1","SentTimestamp":"1704110399000","SequenceNumber":"18849496460467696128","MessageGroupId":"A","SenderId":"AIDAIENQZJOLO23YVJ4VO","MessageDeduplicationId":"a1","ApproximateFirstReceiveTimestamp":"1704110400000"}'
	assert_equal "$stderr" "lambda-invoke: Orders.fifo: 5 messages: 5 deleted, 0 to the dead-letter queue (3 invocations, 6 receives)"
}

@test "FIFO: the rest of a group returns with a failure the function did not report" {
	fifo() {
		jq -nc --arg id "$1" --arg g "$2" --arg b "$3" \
		    '{MessageId: $id, Body: $b, Attributes: {MessageGroupId: $g}}'
	}
	{ fifo a1 A fail-once; fifo a2 A ok; fifo a3 A ok; } >"$q"
	run -0 --separate-stderr handler --event-source-arn Orders.fifo \
	    --function-response-types ReportBatchItemFailures \
	    <"$q"
	assert_equal "$(batches)" $'["a1:1","a2:1","a3:1"]\n["a1:2","a2:2","a3:2"]'
}

@test "FIFO: one batch in flight per group, whatever the concurrency" {
	for m in a1:A a2:A a3:A b1:B b2:B; do
		jq -nc --arg id "${m%:*}" --arg g "${m#*:}" \
		    '{MessageId: $id, Body: "ok", Attributes: {MessageGroupId: $g}}'
	done >"$q"
	log="$BATS_TEST_TMPDIR/log"
	# a1 waits (up to 30 s) for b1 to start: only B running beside A
	# lets a1 end before that, whatever the machine's load.
	run -0 --separate-stderr lambda-invoke -q -c 3 --batch-size 1 \
	    --timeout 60 --visibility-timeout 120 \
	    --event-source-arn Orders.fifo sh -c '
		id=$(jq -r ".Records[0].messageId")
		echo "start $id" >>"$0"
		n=0
		while [ "$id" = a1 ] && [ $n -lt 600 ] &&
		    ! grep -q "start b1" "$0"; do
			sleep 0.05; n=$((n + 1))
		done
		echo "end $id" >>"$0"' "$log" <"$q"
	# Group A never overlaps itself and keeps its order; B runs beside it.
	assert_equal "$(grep ' a' "$log" | tr '\n' ' ')" "start a1 end a1 start a2 end a2 start a3 end a3 "
	assert_equal "$(grep ' b' "$log" | tr '\n' ' ')" "start b1 end b1 start b2 end b2 "
	assert_equal "$(grep -n 'start b1\|end a1' "$log" | cut -d: -f2 | tr '\n' ' ')" "start b1 end a1 "
}

@test "FIFO: a message without a group, or with a bad one, is malformed; batch size 10 at most, no window" {
	run -4 --separate-stderr handler --event-source-arn Orders.fifo -k <<-'EOF'
	{"MessageId":"a1","Body":"ok","Attributes":{"MessageGroupId":"A"}}
	{"MessageId":"a2","Body":"ok"}
	{"MessageId":"a3","Body":"ok","Attributes":{"MessageGroupId":"A"}}
	{"MessageId":"a4","Body":"ok","Attributes":{"MessageGroupId":"A B"}}
	EOF
	assert_equal "$(batches)" '["a1:1","a3:1"]'
	assert_equal "$stderr" $'lambda-invoke: <stdin>:2: a FIFO queue\'s message has no Attributes.MessageGroupId\nlambda-invoke: <stdin>:4: InvalidParameterValue: Value A B for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.\nlambda-invoke: Orders.fifo: 2 messages: 2 deleted, 0 to the dead-letter queue (1 invocation, 2 receives)'
	run -2 --separate-stderr handler --event-source-arn Orders.fifo --batch-size 11 \
	    --maximum-batching-window-in-seconds 1 </dev/null
	assert_equal "$stderr" "lambda-invoke: Batch size for a FIFO queue must be at most 10"
	run -2 --separate-stderr handler --event-source-arn Orders.fifo \
	    --maximum-batching-window-in-seconds 1 </dev/null
	assert_equal "$stderr" "lambda-invoke: A FIFO queue takes no maximum batching window"
}

@test "malformed queue lines: located errors, exit 4, the valid messages all processed" {
	input() {
		messages 1
		echo '{"MessageId":"m2","Body":'
		echo '{"Body":"x"}'
		echo '{"MessageId":"m4","Body":""}'
		echo '{"MessageId":"m5","Body":"x","Attributes":{"SenderId":5}}'
		echo '{"MessageId":"m6","Body":"x","MessageAttributes":{"a":{"DataType":"String"}}}'
		echo '["m7"]'
		echo '{"MessageId":"m8","Body":"x","MessageAttributes":{"a":{"DataType":"String","StringValue":""}}}'
		jq -nc '{MessageId: "m9", Body: ("x" * 1048577)}'
		messages 10 | tail -1
	}
	input >"$q"
	run -4 --separate-stderr handler --event-source-arn Orders -k <"$q"
	assert_equal "$(batches)" '["m1:1","m10:1"]'
	assert_equal "$stderr" "lambda-invoke: <stdin>:2: invalid JSON: Unfinished JSON term at EOF at line 1, column 25
lambda-invoke: <stdin>:3: MessageId is missing or not a non-empty string
lambda-invoke: <stdin>:4: Body is missing or not a non-empty string
lambda-invoke: <stdin>:5: an attribute in Attributes is not a string
lambda-invoke: <stdin>:6: a message attribute has no StringValue or BinaryValue string
lambda-invoke: <stdin>:7: an SQS message is not a JSON object
lambda-invoke: <stdin>:8: InvalidParameterValue: Message (user) attribute 'a' must contain a non-empty value of type 'String'.
lambda-invoke: <stdin>:9: InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.
lambda-invoke: Orders: 2 messages: 2 deleted, 0 to the dead-letter queue (1 invocation, 2 receives)"
	# Without --keep-going the stream stops there; what came before runs.
	rm "$BATS_TEST_TMPDIR/events"
	run -4 --separate-stderr handler --event-source-arn Orders <"$q"
	assert_equal "$(batches)" '["m1:1"]'
	assert_equal "${stderr_lines[1]}" "lambda-invoke: Orders: 1 message: 1 deleted, 0 to the dead-letter queue (1 invocation, 1 receive)"
}

@test "message attributes: String, Number and Binary in the event's shape; md5OfBody computed when absent" {
	run -0 --separate-stderr handler --event-source-arn Orders <<-'EOF'
	{"MessageId":"m1","Body":"message-body-1","MessageAttributes":{"s":{"DataType":"String","StringValue":"x"},"n":{"DataType":"Number","StringValue":"99.12"},"b":{"DataType":"Binary","BinaryValue":"AAE="}},"MD5OfMessageAttributes":"0123456789abcdef0123456789abcdef"}
	EOF
	assert_equal "$(jq -c '.Records[0] | [.messageAttributes, .md5OfMessageAttributes, .md5OfBody]' "$BATS_TEST_TMPDIR/events")" \
	    '[{"s":{"stringValue":"x","stringListValues":[],"binaryListValues":[],"dataType":"String"},"n":{"stringValue":"99.12","stringListValues":[],"binaryListValues":[],"dataType":"Number"},"b":{"binaryValue":"AAE=","stringListValues":[],"binaryListValues":[],"dataType":"Binary"}},"0123456789abcdef0123456789abcdef","19c9e282d65f9733bc6b35d50062c7ee"]'
}

@test "md5OfMessageAttributes is computed when the message has none (AWS's d302007e... for attr1)" {
	run -0 --separate-stderr handler --event-source-arn Orders <<-'EOF'
	{"MessageId":"m1","Body":"Test msg","MessageAttributes":{"attr1":{"DataType":"Number","StringValue":"99.12"}}}
	EOF
	assert_equal "$(jq -r '.Records[0].md5OfMessageAttributes' "$BATS_TEST_TMPDIR/events")" d302007e9aa062660afc85fd0a482472
}

@test "--runtime-api serves the batches to one warm runtime" {
	queue 12 ok ok ok ok ok ok ok ok ok ok error ok
	run -1 --separate-stderr lambda-invoke -q --runtime-api --event-source-arn Orders \
	    --max-receive-count 2 "$F/bootstrap" <"$q"
	assert_equal "$(jq -r .MessageId <<<"$output" | tr '\n' ' ')" "m11 m12 "
	assert_equal "$stderr" "lambda-invoke: Orders: 12 messages: 10 deleted, 2 to the dead-letter queue (3 invocations, 14 receives)"
}

@test "event source options: usage errors" {
	run -2 --separate-stderr lambda-invoke --batch-size 5 cat </dev/null
	assert_equal "$stderr" "lambda-invoke: batch size, batching window, response types, visibility timeout and receive count apply to --event-source-arn only"
	run -2 --separate-stderr lambda-invoke --event-source-arn Orders -t Event cat </dev/null
	assert_equal "$stderr" "lambda-invoke: an SQS event source invokes synchronously, in its own order and without destinations"
	run -2 --separate-stderr lambda-invoke --event-source-arn arn:aws:sns:us-east-1:123456789012:Orders cat </dev/null
	assert_equal "$stderr" "lambda-invoke: --event-source-arn: invalid queue name or ARN 'arn:aws:sns:us-east-1:123456789012:Orders'"
	run -2 --separate-stderr lambda-invoke --event-source-arn Orders \
	    --function-response-types Nope cat </dev/null
	assert_equal "$stderr" "lambda-invoke: invalid function response type 'Nope' (ReportBatchItemFailures)"
}
