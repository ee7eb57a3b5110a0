#!/usr/bin/env bats
# The SQS message stream (common/sqs.c) and what produces it: ebus-match
# targets whose ARN is a queue, lambda-invoke queue destinations, and
# sns-publish's sqs subscriptions.  Exact bytes under the deterministic
# switch.

load test_helper/common

F="$FIXTURES/sqs"
E="$FIXTURES/ebus-match"
Q=arn:aws:sqs:us-east-1:123456789012

# rules TARGET-JSON: one rule matching every event, with that target.
rules() {
	jq -nc --argjson t "$1" '[{Name: "r", EventPattern: {account: [{exists: true}]}, Targets: [$t]}]' \
	    > "$BATS_TEST_TMPDIR/r.json"
}

@test "MD5s: MD5OfBody of message-body-1 and MD5OfMessageAttributes of attr1 Number 99.12, as AWS recorded them" {
	printf '%s\n' '{"TopicArn":"arn:aws:sns:us-east-1:123456789012:T","Protocol":"sqs","Endpoint":"'$Q':raw","Attributes":{"RawMessageDelivery":"true"}}' \
	    > "$BATS_TEST_TMPDIR/s.ndjson"
	run -0 sns-publish -S "$BATS_TEST_TMPDIR/s.ndjson" -t raw=- <<'IN'
{"Message":"message-body-1","MessageAttributes":{"attr1":{"DataType":"Number","StringValue":"99.12"}}}
IN
	run -0 jq -r '.MD5OfBody, .MD5OfMessageAttributes' <<<"$output"
	assert_output $'19c9e282d65f9733bc6b35d50062c7ee\nd302007e9aa062660afc85fd0a482472'
}

@test "ebus-match: a queue target gets an SQS message whose Body is the event" {
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders\"}"
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_output "$(cat "$F/event.expected")"
	# the body is the event byte for byte, and MD5OfBody its digest
	assert_equal "$(jq -r .Body <<<"$output")" "$(cat "$E/ec2-event.json")"
	assert_equal "$(jq -j .Body <<<"$output" | md5sum | cut -d' ' -f1)" \
	    "$(jq -r .MD5OfBody <<<"$output")"
}

@test "ebus-match: a queue target's Body is its Input, InputPath or InputTransformer result" {
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders\",\"InputPath\":\"\$.detail\"}"
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_output '{"MessageId":"8f795da9-bea5-491f-bec6-2c048a577437","MD5OfBody":"15436447ce40c52ebffdfccb038e0d62","Body":"{\"instance-id\":\"i-0123456789\",\"state\":\"RUNNING\"}","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}'
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders\",\"Input\":\"{ \\\"a\\\" : 1 }\"}"
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_output '{"MessageId":"aed929b3-1fd3-4209-97b5-2ec65f2bf85b","MD5OfBody":"bb6cb5c68df4652941caf652a366f2d8","Body":"{\"a\":1}","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}'
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders\",\"InputTransformer\":{\"InputPathsMap\":{\"s\":\"\$.detail.state\"},\"InputTemplate\":\"{\\\"state\\\" : <s>}\"}}"
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_output '{"MessageId":"d29b749c-96ee-4538-be43-953d328edeba","MD5OfBody":"bab779e77d85adfa8cdb0788137ccd56","Body":"{\"state\" : \"RUNNING\"}","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}'
}

@test "ebus-match: a FIFO queue target sends with SqsParameters.MessageGroupId, content-based deduplication and a sequence number" {
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders.fifo\",\"SqsParameters\":{\"MessageGroupId\":\"g-1\"}}"
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json" "$E/ec2-event.json"
	assert_equal "${#lines[@]}" 2
	run -0 jq -c .Attributes <<<"$output"
	sha=$(jq -j .Body "$F/event.expected" | sha256sum | cut -d' ' -f1)
	assert_output "{\"SentTimestamp\":\"1704110400000\",\"SequenceNumber\":\"17041104000000000001\",\"MessageGroupId\":\"g-1\",\"SenderId\":\"123456789012\",\"MessageDeduplicationId\":\"$sha\"}
{\"SentTimestamp\":\"1704110400000\",\"SequenceNumber\":\"17041104000000000002\",\"MessageGroupId\":\"g-1\",\"SenderId\":\"123456789012\",\"MessageDeduplicationId\":\"$sha\"}"
}

@test "ebus-match: a FIFO queue target without SqsParameters is refused as PutTargets refuses it (exit 3)" {
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders.fifo\"}"
	run -3 --separate-stderr ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/r.json: r: Parameter(s) SqsParameters must be specified for target: q."
	assert_output ""
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders.fifo\",\"SqsParameters\":{\"MessageGroupId\":7}}"
	run -3 --separate-stderr ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/r.json: r: target q: SqsParameters.MessageGroupId is not a string"
}

@test "ebus-match: a message SendMessage refuses goes to the dead-letter file, located without one; the others are sent" {
	# a group id with a space; then a FIFO target with no group id
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders.fifo\",\"SqsParameters\":{\"MessageGroupId\":\"a b\"}}"
	run -1 --separate-stderr ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_equal "$stderr" "ebus-match: $E/ec2-event.json:1: rule r, target q: not delivered: Value a b for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders.fifo\",\"SqsParameters\":{}}"
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- -d "$BATS_TEST_TMPDIR/dlq" "$E/ec2-event.json"
	assert_output ""
	run -0 jq -c .attributes "$BATS_TEST_TMPDIR/dlq"
	assert_output "{\"RULE_ARN\":\"arn:aws:events:us-east-1:123456789012:rule/r\",\"TARGET_ARN\":\"$Q:Orders.fifo\",\"ERROR_CODE\":\"INVALID_PARAMETER\",\"ERROR_MESSAGE\":\"The request must contain the parameter MessageGroupId.\",\"RETRY_ATTEMPTS\":\"0\"}"
	# the 1 MiB body limit: 1048576 bytes go, 1048577 do not; the others are sent
	for n in 1048576 1048577; do
		head -c $((n - 164)) /dev/zero | tr '\0' x > "$BATS_TEST_TMPDIR/d"
		jq -nc --rawfile d "$BATS_TEST_TMPDIR/d" \
		    '{version:"0",id:"1","detail-type":"t",source:"s",account:"123456789012",time:"2015-11-11T21:29:54Z",region:"us-east-1",resources:[],detail:{d:$d}}' \
		    > "$BATS_TEST_TMPDIR/big.$n"
		assert_equal "$(wc -c < "$BATS_TEST_TMPDIR/big.$n")" "$((n + 1))"
	done
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders\"}"
	run -1 --separate-stderr ebus-match -m 2M -R "$BATS_TEST_TMPDIR/r.json" -t q="$BATS_TEST_TMPDIR/out" \
	    "$BATS_TEST_TMPDIR/big.1048577" "$BATS_TEST_TMPDIR/big.1048576" "$E/ec2-event.json"
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/big.1048577:1: rule r, target q: not delivered: One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
	run -0 jq -r '.Body | length' "$BATS_TEST_TMPDIR/out"
	assert_output $'1048576\n'"$(wc -c < "$E/ec2-event.json" | awk '{print $1 - 1}')"
}

@test "ebus-match: a queue ARN that is not one (bad name) is delivered as before, without the SQS shape" {
	rules '{"Id":"q","Arn":"arn:aws:sqs:us-east-1:123456789012:bad name"}'
	run -0 ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$E/ec2-event.json"
	assert_output "$(cat "$E/ec2-event.json")"
}

# --- lambda-invoke: queue destinations --------------------------------

# fail: InventoryFunction as the workshop's error-handling module runs it.
fail='echo "{\"errorMessage\":\"FAILED! (force-error == true)\",\"errorType\":\"Exception\"}"; exit 1'

@test "lambda-invoke: --on-failure-queue writes the failure record as an SQS message (InventoryFunctionDLQ)" {
	run -0 --separate-stderr lambda-invoke -q -t Event -n InventoryFunction \
	    --maximum-retry-attempts 0 --on-failure-queue InventoryFunctionDLQ \
	    sh -c "$fail" <<<'{"OrderDetails":{"force-error":true}}'
	assert_output "$(cat "$F/dlq.expected")"
	assert_equal "$stderr" ""
	# the Body is the record --on-failure writes, byte for byte
	body=$(jq -r .Body <<<"$output")
	run -0 --separate-stderr lambda-invoke -q -t Event -n InventoryFunction \
	    --maximum-retry-attempts 0 --on-failure - \
	    sh -c "$fail" <<<'{"OrderDetails":{"force-error":true}}'
	assert_equal "$body" "$output"
	assert_equal "$(printf %s "$body" | md5sum | cut -d' ' -f1)" 379ccc1d62c9c0a91a50f66331fa2e80
}

@test "lambda-invoke: --on-success-queue takes a name or an ARN, goes to --on-success PATH, SentTimestamp is the record's time" {
	run -0 --separate-stderr lambda-invoke -q -t Event -n Fn \
	    --on-success "$BATS_TEST_TMPDIR/ok" \
	    --on-success-queue arn:aws:sqs:eu-west-1:111111111111:Done cat <<<'{"a":1}'
	assert_output ""
	run -0 jq -c '[.Attributes, (.Body | fromjson | .requestContext.condition, .timestamp)]' "$BATS_TEST_TMPDIR/ok"
	assert_output '[{"SentTimestamp":"1704110400000","SenderId":"123456789012"},"Success","2024-01-01T12:00:00.000Z"]'
	# under the virtual clock a retried invocation's record is later; so is its message
	run -0 --separate-stderr lambda-invoke -q -t Event -n Fn --maximum-retry-attempts 1 \
	    --on-failure-queue Q sh -c 'exit 1' <<<'{}'
	run -0 jq -r '.Attributes.SentTimestamp, (.Body | fromjson | .timestamp)' <<<"$output"
	assert_output $'1704110460000\n2024-01-01T12:01:00.000Z'
}

@test "lambda-invoke: a record SendMessage refuses (over 1 MiB) is reported and counted (exit 1); the others are sent" {
	head -c 1048576 /dev/zero | tr '\0' x > "$BATS_TEST_TMPDIR/big"
	printf '#!/bin/sh\nread p\ncase $p in *big*) printf %%s\\" ; cat "%s"; echo \\" ;; *) echo "$p" ;; esac\n' \
	    "$BATS_TEST_TMPDIR/big" > "$BATS_TEST_TMPDIR/h"
	chmod +x "$BATS_TEST_TMPDIR/h"
	run -1 --separate-stderr lambda-invoke -q -t Event -n Fn --on-success-queue Q \
	    "$BATS_TEST_TMPDIR/h" <<-'IN'
	{"n":1}
	"big"
	{"n":3}
	IN
	run -0 jq -c '.Body | fromjson | .requestPayload' <<<"$output"
	assert_output $'{"n":1}\n{"n":3}'
	assert_regex "$stderr" '^lambda-invoke: <stdin>:2: request [0-9a-f-]{36}: not sent to arn:aws:sqs:us-east-1:123456789012:Q: InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.$'
}

@test "lambda-invoke: queue destination usage errors (exit 2)" {
	run -2 --separate-stderr lambda-invoke -t Event --on-failure-queue DLQ.fifo cat
	assert_equal "$stderr" "lambda-invoke: --on-failure-queue: DLQ.fifo: a FIFO queue cannot be a destination"
	run -2 --separate-stderr lambda-invoke -t Event --on-success-queue 'a b' cat
	assert_equal "$stderr" "lambda-invoke: --on-success-queue: invalid queue name or ARN 'a b'"
	run -2 --separate-stderr lambda-invoke -t Event --on-failure-queue arn:aws:sns:us-east-1:123456789012:T cat
	assert_equal "$stderr" "lambda-invoke: --on-failure-queue: invalid queue name or ARN 'arn:aws:sns:us-east-1:123456789012:T'"
	run -2 --separate-stderr lambda-invoke -t Event --on-failure-queue Q --on-failure-bus B cat
	assert_equal "$stderr" "lambda-invoke: --on-failure-queue: a destination is a bus or a queue, not both"
	run -2 --separate-stderr lambda-invoke --on-failure-queue Q cat
	assert_equal "$stderr" "lambda-invoke: retries, event age, payload limit and destinations apply to --invocation-type Event only"
}

@test "without the deterministic switch MessageIds are random and distinct, 600 of them (past a refill of the random pool)" {
	rules "{\"Id\":\"q\",\"Arn\":\"$Q:Orders\"}"
	for i in $(seq 300); do cat "$E/ec2-event.json"; done > "$BATS_TEST_TMPDIR/ev"
	EDAKIT_DETERMINISTIC= ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/a"
	EDAKIT_DETERMINISTIC= ebus-match -R "$BATS_TEST_TMPDIR/r.json" -t q=- "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/b"
	run -0 bash -c "cat '$BATS_TEST_TMPDIR/a' '$BATS_TEST_TMPDIR/b' | jq -r .MessageId | sort -u | grep -cE '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
	assert_output 600
}
