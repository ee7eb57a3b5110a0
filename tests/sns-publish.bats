#!/usr/bin/env bats
# sns-publish: Publish requests to an SNS topic's subscriptions.

load test_helper/common

F="$BATS_TEST_DIRNAME/fixtures/sns-publish"
SUBS="$F/subscriptions.ndjson"
TOPIC=arn:aws:sns:us-east-1:123456789012:Orders

sub() {		# sub ATTRIBUTES-JSON: one sqs subscription line
	printf '{"TopicArn":"%s","Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:123456789012:q","Attributes":%s}\n' "$TOPIC" "$1"
}

@test "stdout has one Publish response per accepted message" {
	run -0 --separate-stderr sns-publish -S "$SUBS" "$F/publish.ndjson"
	assert_output '{"MessageId":"eff57d53-04a5-4582-a81a-c8d0201b233b"}
{"MessageId":"df84e05e-4566-482e-98b3-913390f21f1c"}'
	assert_equal "$stderr" ""
}

@test "an sqs subscription gets the JSON envelope, where its policy lets it" {
	run -0 --separate-stderr sns-publish -S "$SUBS" -t Orders=- "$F/publish.ndjson"
	assert_output "$(cat "$F/orders.expected")"
	# the body is AWS's layout: one member a line, " : " between
	run -0 jq -r .Body <<<"$output"
	assert_line --index 0 '{'
	assert_line --index 1 '  "Type" : "Notification",'
	assert_line --index 11 '    "attr1" : {"Type":"Number","Value":"99.12"}'
}

@test "raw delivery: the message itself, with AWS's MD5OfMessageAttributes" {
	run -0 --separate-stderr sns-publish -S "$SUBS" -t Raw=- "$F/publish.ndjson"
	assert_output "$(cat "$F/raw.expected")"
	# d302007e...: what AWS recorded for {"attr1": Number "99.12"}
	assert_line --index 0 --partial '"MD5OfMessageAttributes":"d302007e9aa062660afc85fd0a482472"'
}

@test "a lambda subscription gets the Records event; body scope reads dotted keys" {
	run -0 --separate-stderr sns-publish -S "$SUBS" -t Fn=- "$F/publish.ndjson"
	assert_output "$(cat "$F/lambda.expected")"
	# the same subscription by its endpoint, and by its ARN
	run -0 sns-publish -S "$SUBS" -t arn:aws:lambda:us-east-1:123456789012:function:Fn=- "$F/publish.ndjson"
	assert_output "$(cat "$F/lambda.expected")"
	run -0 sns-publish -S "$SUBS" -t "$TOPIC:d068d8e6-bae5-4dce-9ef3-e5656bba5519=-" "$F/publish.ndjson"
	assert_output "$(cat "$F/lambda.expected")"
}

@test "escapes, surrogate pairs, a lone surrogate, repeated members: what the jv reading delivered, byte for byte" {
	# Most requests are read over their bytes, the unusual ones (an
	# escaped key, a member twice) through libjq; escapes.expected is
	# what sns-publish wrote when every request went through libjq.
	run -0 --separate-stderr sns-publish -S "$F/escapes-subscriptions.ndjson" \
	    -t q=- -t f=- -t env=- "$F/escapes.ndjson"
	assert_output "$(cat "$F/escapes.expected")"
	assert_equal "$stderr" ""
}

@test "ids do not depend on which subscriptions are listened to" {
	run -0 sns-publish -S "$SUBS" -t Orders=- "$F/publish.ndjson"
	a=$output
	run -0 sns-publish -S "$SUBS" -t Raw="$BATS_TEST_TMPDIR/raw" -t Fn="$BATS_TEST_TMPDIR/fn" -t Orders=- "$F/publish.ndjson"
	assert_output "$a"
	run -0 cat "$BATS_TEST_TMPDIR/raw"
	assert_output "$(cat "$F/raw.expected")"
}

@test "list-subscriptions-by-topic output, a topic given with -T, other topics skipped" {
	subs="$BATS_TEST_TMPDIR/subs.json"
	printf '{"Subscriptions":[%s,%s]}\n' \
	    '{"SubscriptionArn":"arn:aws:sns:us-east-1:123456789012:Other:1","TopicArn":"arn:aws:sns:us-east-1:123456789012:Other","Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:123456789012:q"}' \
	    '{"SubscriptionArn":"arn:aws:sns:us-east-1:123456789012:Orders:2","TopicArn":"arn:aws:sns:us-east-1:123456789012:Orders","Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:123456789012:q","Attributes":{"RawMessageDelivery":"true"}}' > "$subs"
	run -0 sns-publish -T Orders -S "$subs" -t q=- <<<'{"Message":"hello"}'
	assert_output '{"MessageId":"739b2407-e317-4f03-8fa5-a79cdb980114","MD5OfBody":"5d41402abc4b2a76b9719d911017c592","Body":"hello","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}'
}

@test "a rejected Publish is located, with AWS's code and message, and the rest go on (exit 1)" {
	run -1 --separate-stderr sns-publish -S "$SUBS" -t Raw=- <<'EOF2'
{"Message":""}
{"Message":"a","Subject":""}
{"Message":"b","MessageAttributes":{"a^b":{"DataType":"String","StringValue":"x"}}}
{"Message":"c","MessageAttributes":{"x":{"DataType":"String"}}}
{"Message":"d","MessageAttributes":{"x":{"StringValue":"1"}}}
{"Message":"e","MessageAttributes":{"x":{"DataType":"Stringprefixed","StringValue":"1"}}}
{"Message":"f","MessageAttributes":{"x":{"DataType":"Binary","StringValue":"1"}}}
{"Message":"g","MessageAttributes":{".x":{"DataType":"String","StringValue":"1"}}}
{"Message":"h","TopicArn":"arn:aws:sns:us-east-1:123456789012:Nope"}
{"Message":"ok","MessageAttributes":{"x":{"DataType":"String.custom","StringValue":"1"}}}
EOF2
	assert_output '{"MessageId":"f75441cd-bd89-43ff-93c6-47d9683f436f","MD5OfBody":"444bcb3a3fcf8389296c49467f27e1d6","Body":"ok","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"},"MD5OfMessageAttributes":"47d8d4bd1b29dcef6e6c4c81c7346e1d","MessageAttributes":{"x":{"DataType":"String.custom","StringValue":"1"}}}'
	assert_equal "$stderr" "sns-publish: <stdin>:1: InvalidParameter: Invalid parameter: Empty message
sns-publish: <stdin>:2: InvalidParameter: Invalid parameter: Subject
sns-publish: <stdin>:3: ParameterValueInvalid: Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.
sns-publish: <stdin>:4: ParameterValueInvalid: The message attribute 'x' must contain non-empty message attribute value for message attribute type 'String'.
sns-publish: <stdin>:5: ValidationError: 1 validation error detected: Value null at 'messageAttributes.x.member.dataType' failed to satisfy constraint: Member must not be null
sns-publish: <stdin>:6: ParameterValueInvalid: The message attribute 'x' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.
sns-publish: <stdin>:7: ParameterValueInvalid: The message attribute 'x' with type 'Binary' must use field 'Binary'.
sns-publish: <stdin>:8: ParameterValueInvalid: Invalid message attribute name starting with character '.' was found.
sns-publish: <stdin>:9: NotFound: Topic does not exist"
}

@test "the size limit counts the message and each attribute's name, type and value" {
	# AWS: with attr1 Number "1" (12 bytes) 262132 bytes pass, 262133 fail
	msg() { head -c "$1" /dev/zero | tr '\0' a |
	    jq -Rc '{Message: ., MessageAttributes: {attr1: {DataType: "Number", StringValue: "1"}}}'; }
	{ msg 262133; msg 262132; } > "$BATS_TEST_TMPDIR/big"
	run -1 --separate-stderr sns-publish -S "$SUBS" "$BATS_TEST_TMPDIR/big"
	assert_output '{"MessageId":"93acf3b1-5ae8-4394-97b5-6deb5da65e1b"}'
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/big:1: InvalidParameter: Invalid parameter: Message too long"
}

@test "a malformed line stops, or with -k is skipped (exit 4); the valid ones are published" {
	run -4 --separate-stderr sns-publish -S "$SUBS" <<<'{"Message":"a"}
not json
{"Message":"b"}'
	assert_output '{"MessageId":"d63c99ab-3d74-4167-ad38-cc6bddb19841"}'
	assert_equal "$stderr" "sns-publish: <stdin>:2: Invalid numeric literal at line 1, column 4"
	run -4 --separate-stderr sns-publish -k -S "$SUBS" <<<'{"Message":"a"}
{"Message":1}
{"Body":"x"}
{"Subject":"x"}
{"Message":"b"}'
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" "sns-publish: <stdin>:2: Message must be a string
sns-publish: <stdin>:3: unknown Publish request field \"Body\"
sns-publish: <stdin>:4: a Publish request needs a Message"
}

@test "invalid policies: AWS's messages, Subscribe and SetSubscriptionAttributes wording (exit 3)" {
	sub '{"FilterPolicy":{"key":[{"wildcard":"a*"}]}}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type wildcard"
	printf '{"SubscriptionArn":"%s:1","TopicArn":"%s","Protocol":"sqs","Endpoint":"q","Attributes":{"FilterPolicy":"{\\"k\\":[{\\"anything-but\\":{\\"suffix\\":\\"x\\"}}]}"}}\n' "$TOPIC" "$TOPIC" > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: FilterPolicy: Unsupported anything-but pattern: suffix"
	sub '{"FilterPolicy":{"k":[{"numeric":["<",1000000001]}]}}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: FilterPolicy: Value must be between -1.0E9 and 1.0E9, inclusive"
	sub '{"FilterPolicy":{"a":{"b":["x"]}}}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
	sub '{"FilterPolicyScope":"Body"}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes"
	sub '{"RawMessageDelivery":"yes"}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [yes]. Must be true or false."
	sub '{"DeliveryPolicy":"{}"}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: AttributeName (DeliveryPolicy is not supported)"
}

@test "attribute types: String.Array elements, Number by value, Binary never" {
	sub '{"RawMessageDelivery":"true","FilterPolicy":{"s":["b"]}}' > "$BATS_TEST_TMPDIR/s"
	run -0 sns-publish -S "$BATS_TEST_TMPDIR/s" -t q=- <<<'{"Message":"1","MessageAttributes":{"s":{"DataType":"String.Array","StringValue":"[\"a\",\"b\"]"}}}
{"Message":"2","MessageAttributes":{"s":{"DataType":"Binary","BinaryValue":"Yg=="}}}
{"Message":"3","MessageAttributes":{"s":{"DataType":"String","StringValue":"b"}}}'
	run -0 jq -r .Body <<<"$output"
	assert_output "1
3"
	sub '{"RawMessageDelivery":"true","FilterPolicy":{"n":[{"numeric":["=",5]}],"m":[{"exists":false}]}}' > "$BATS_TEST_TMPDIR/s"
	run -0 sns-publish -S "$BATS_TEST_TMPDIR/s" -t q=- <<<'{"Message":"1","MessageAttributes":{"n":{"DataType":"Number","StringValue":"5.000"}}}
{"Message":"2","MessageAttributes":{"n":{"DataType":"String","StringValue":"5"}}}
{"Message":"3","MessageAttributes":{"n":{"DataType":"Number","StringValue":"5"},"m":{"DataType":"String","StringValue":"x"}}}'
	run -0 jq -r .Body <<<"$output"
	assert_output 1
}

@test "usage errors (exit 2): no -S, an unknown -t, no topic" {
	run -2 --separate-stderr sns-publish </dev/null
	assert_equal "${stderr_lines[0]}" "sns-publish: give the topic's subscriptions with -S"
	run -2 --separate-stderr sns-publish -S "$SUBS" -t Nope=- </dev/null
	assert_equal "$stderr" "sns-publish: --target Nope: no subscription of the topic has this name, endpoint or ARN"
	printf '{"Protocol":"sqs","Endpoint":"q"}\n' > "$BATS_TEST_TMPDIR/s"
	run -2 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: no TopicArn: give the topic with -T"
}

@test "PublishBatch: {Successful, Failed} with \"Failed\":[] present; a failed entry does not stop the others (exit 1)" {
	run -0 --separate-stderr sns-publish -S "$SUBS" <<<'{"TopicArn":"'"$TOPIC"'","PublishBatchRequestEntries":[{"Id":"a","Message":"one"},{"Id":"b-_9","Message":"two"}]}'
	assert_output '{"Successful":[{"Id":"a","MessageId":"47161f80-bd25-4e8b-96d2-3db9d91638ad"},{"Id":"b-_9","MessageId":"4c049fe5-2377-4cac-91df-e56d96f4fc82"}],"Failed":[]}'
	run -1 --separate-stderr sns-publish -S "$SUBS" -t Raw=- <<'EOF2'
{"PublishBatchRequestEntries":[{"Id":"a","Message":"one"},{"Id":"b","Message":""},{"Id":"c","Message":"x","Subject":""},{"Id":"d","Message":"{\"default\":\"dflt\",\"sqs\":\"for sqs\"}","MessageStructure":"json"},{"Id":"e","Message":"{\"sqs\":\"x\"}","MessageStructure":"json"},{"Id":"f","Message":"nope","MessageStructure":"json"}]}
EOF2
	assert_output '{"MessageId":"c99ddb6e-0d02-4a8e-a635-fb61dd05ef39","MD5OfBody":"f97c5d29941bfb1b2fdab0874906ab82","Body":"one","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}
{"MessageId":"4b54107e-d008-4482-83b5-5e97f9c2824d","MD5OfBody":"954db65a1f1ecc154750516d16ed2279","Body":"for sqs","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}'
	assert_equal "$stderr" "sns-publish: <stdin>:1: entry b: InvalidParameter: Invalid parameter: Empty message
sns-publish: <stdin>:1: entry c: InvalidParameter: Invalid parameter: Subject
sns-publish: <stdin>:1: entry e: InvalidParameter: Invalid parameter: Message Structure - No default entry in JSON message body
sns-publish: <stdin>:1: entry f: InvalidParameter: Invalid parameter: Message Structure - JSON message body failed to parse"
	run -1 --separate-stderr sns-publish -S "$SUBS" <<<'{"PublishBatchRequestEntries":[{"Id":"a","Message":"one"},{"Id":"b","Message":""}]}'
	assert_output '{"Successful":[{"Id":"a","MessageId":"47161f80-bd25-4e8b-96d2-3db9d91638ad"}],"Failed":[{"Id":"b","Code":"InvalidParameter","Message":"Invalid parameter: Empty message","SenderFault":true}]}'
}

@test "PublishBatch: errors of the whole request, with AWS's codes and messages; the next request goes on" {
	long=$(printf 'i%.0s' $(seq 81))
	ok80=$(printf 'i%.0s' $(seq 78))_-
	msg() { head -c "$1" /dev/zero | tr '\0' a; }
	run -1 --separate-stderr sns-publish -S "$SUBS" <<EOF2
{"TopicArn":"$TOPIC","PublishBatchRequestEntries":[$(for i in $(seq 11); do printf '{"Id":"%s","Message":"m"},' $i; done | sed 's/,$//')]}
{"PublishBatchRequestEntries":[{"Id":"a","Message":"one"},{"Id":"a","Message":"two"}]}
{"PublishBatchRequestEntries":[{"Id":"a.b","Message":"one"}]}
{"PublishBatchRequestEntries":[{"Id":"$long","Message":"one"}]}
{"PublishBatchRequestEntries":[{"Id":"a","Message":"one"},{"Id":"b","Message":"two","MessageAttributes":{"x":{"StringValue":"1"}}}]}
{"PublishBatchRequestEntries":[{"Id":"a","Message":"$(msg 131072)"},{"Id":"b","Message":"$(msg 131073)"}]}
{"PublishBatchRequestEntries":[]}
{"TopicArn":"arn:aws:sns:us-east-1:123456789012:X","PublishBatchRequestEntries":[{"Id":"a","Message":"one"}]}
{"PublishBatchRequestEntries":[{"Id":"$ok80","Message":"$(msg 131072)"},{"Id":"b","Message":"$(msg 131072)"}]}
EOF2
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp '^\{"Successful":\[\{"Id":"iiii[i]*_-","MessageId":"[-0-9a-f]*"\},\{"Id":"b","MessageId":"[-0-9a-f]*"\}\],"Failed":\[\]\}$'
	assert_equal "$stderr" "sns-publish: <stdin>:1: TooManyEntriesInBatchRequest: The batch request contains more entries than permissible.
sns-publish: <stdin>:2: BatchEntryIdsNotDistinct: Two or more batch entries in the request have the same Id.
sns-publish: <stdin>:3: InvalidBatchEntryId: The Id of a batch entry in the batch request contains an impermissible character: a.b
sns-publish: <stdin>:4: InvalidBatchEntryId: The Id of a batch entry in the batch request is too long: $long
sns-publish: <stdin>:5: ValidationError: 1 validation error detected: Value null at 'publishBatchRequestEntries.2.member.messageAttributes.x.member.dataType' failed to satisfy constraint: Member must not be null
sns-publish: <stdin>:6: BatchRequestTooLong: The length of all the messages put together is more than the limit.
sns-publish: <stdin>:7: EmptyBatchRequest: The batch request doesn't contain any entries.
sns-publish: <stdin>:8: NotFound: Topic does not exist"
}

@test "PublishBatch: a malformed entry makes the line malformed (exit 4)" {
	run -4 --separate-stderr sns-publish -k -S "$SUBS" <<'EOF2'
{"PublishBatchRequestEntries":[{"Id":"a","Message":"one","Bogus":1}]}
{"PublishBatchRequestEntries":[{"Message":"one"}]}
{"PublishBatchRequestEntries":{}}
{"PublishBatchRequestEntries":[{"Id":"a","Message":"ok"}]}
EOF2
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" "sns-publish: <stdin>:1: unknown PublishBatch entry field \"Bogus\"
sns-publish: <stdin>:2: a PublishBatch entry needs an Id
sns-publish: <stdin>:3: PublishBatchRequestEntries must be an array"
}

@test "MessageStructure json: each protocol's key or default; AWS's two errors" {
	run -1 --separate-stderr sns-publish -S "$SUBS" -t Raw=- <<'EOF2'
{"Message":"{\"default\":\"d\",\"lambda\":\"for lambda\"}","MessageStructure":"json"}
{"Message":"{\"default\":\"d\",\"default\":\"again\",\"sqs\":7}","MessageStructure":"json"}
{"Message":"[1]","MessageStructure":"json"}
{"Message":"{","MessageStructure":"json"}
EOF2
	assert_output '{"MessageId":"cd1ee607-f7a7-4431-8c7f-53549f924899","MD5OfBody":"8277e0910d750195b448797616e091ad","Body":"d","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}
{"MessageId":"9e93f4cd-7f9f-4555-9239-2e1d4a3e9d42","MD5OfBody":"639849f6b368019778991b32434354fc","Body":"again","Attributes":{"SentTimestamp":"1704110400000","SenderId":"123456789012"}}'
	assert_equal "$stderr" "sns-publish: <stdin>:3: InvalidParameter: Invalid parameter: Message Structure - No default entry in JSON message body
sns-publish: <stdin>:4: InvalidParameter: Invalid parameter: Message Structure - JSON message body failed to parse"
	sub '{}' | sed 's/"sqs"/"lambda"/' > "$BATS_TEST_TMPDIR/s"
	run -0 sns-publish -S "$BATS_TEST_TMPDIR/s" -t q=- <<<'{"Message":"{\"default\":\"d\",\"lambda\":\"for lambda\"}","MessageStructure":"json"}'
	run -0 jq -r '.Records[0].Sns.Message' <<<"$output"
	assert_output "for lambda"
	run -4 --separate-stderr sns-publish -S "$SUBS" <<<'{"Message":"x","MessageStructure":"text"}'
	assert_equal "$stderr" 'sns-publish: <stdin>:1: MessageStructure must be "json"'
}

@test "FIFO topic: SequenceNumber, deduplication by id or content, duplicates answered but not delivered" {
	run -1 --separate-stderr sns-publish -S "$F/fifo-subscriptions.ndjson" -t Std="$BATS_TEST_TMPDIR/std" <<'EOF2'
{"Message":"Test","MessageGroupId":"g"}
{"Message":"Test","MessageGroupId":"g"}
{"Message":"Test2","MessageGroupId":"g","MessageDeduplicationId":"d1"}
{"Message":"Test3","MessageGroupId":"g","MessageDeduplicationId":"d1"}
{"Message":"Test4"}
{"PublishBatchRequestEntries":[{"Id":"a","Message":"Test","MessageGroupId":"g"},{"Id":"b","Message":"new","MessageGroupId":"g"},{"Id":"c","Message":"x"}]}
EOF2
	assert_output '{"MessageId":"5628f723-a7ec-4952-b093-cf693d2cd36f","SequenceNumber":"10000000000000000001"}
{"MessageId":"5628f723-a7ec-4952-b093-cf693d2cd36f","SequenceNumber":"10000000000000000001"}
{"MessageId":"e97f1329-4704-492b-88eb-3f44f0c2af3a","SequenceNumber":"10000000000000000002"}
{"MessageId":"e97f1329-4704-492b-88eb-3f44f0c2af3a","SequenceNumber":"10000000000000000002"}
{"Successful":[{"Id":"a","MessageId":"5628f723-a7ec-4952-b093-cf693d2cd36f","SequenceNumber":"10000000000000000001"},{"Id":"b","MessageId":"ed18de51-c34c-43d6-8dde-4b8125bec8d4","SequenceNumber":"10000000000000000003"}],"Failed":[{"Id":"c","Code":"InvalidParameter","Message":"Invalid parameter: The MessageGroupId parameter is required for FIFO topics","SenderFault":true}]}'
	assert_equal "$stderr" "sns-publish: <stdin>:5: InvalidParameter: Invalid parameter: The MessageGroupId parameter is required for FIFO topics
sns-publish: <stdin>:6: entry c: InvalidParameter: Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
	# three messages delivered, in order: the duplicates are not
	run -0 jq -r '.Body | fromjson | .Message' "$BATS_TEST_TMPDIR/std"
	assert_output "Test
Test2
new"
}

@test "FIFO topic: a deduplication id is forgotten five minutes after its first publish" {
	# The real clock, set by libfaketime from a file between messages,
	# fed through a FIFO one message at a time.
	lib=$(dpkg -L libfaketime | grep '/libfaketime\.so\.1$')
	now="$BATS_TEST_TMPDIR/now" in="$BATS_TEST_TMPDIR/in"
	out="$BATS_TEST_TMPDIR/out"
	echo '2024-01-01 12:00:00' > "$now"
	mkfifo "$in"
	# (AddressSanitizer wants to be the first library: not here)
	env -u EDAKIT_DETERMINISTIC LD_PRELOAD="$lib" \
	    FAKETIME_TIMESTAMP_FILE="$now" FAKETIME_NO_CACHE=1 \
	    ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	    sns-publish -u -S "$F/fifo-subscriptions.ndjson" \
	    -t Std="$BATS_TEST_TMPDIR/std" < "$in" > "$out" &
	exec 8> "$in"
	# publish AT N: a message with the same id at time AT; N responses
	publish() {
		echo "2024-01-01 $1" > "$now"
		echo '{"Message":"m","MessageGroupId":"g","MessageDeduplicationId":"d"}' >&8
		for i in $(seq 600); do
			[ "$(wc -l < "$out")" -ge "$2" ] && return 0
			sleep 0.1
		done
		return 1
	}
	publish 12:00:00 1
	publish 12:04:59 2
	publish 12:05:00 3
	publish 12:09:59 4
	exec 8>&-
	wait
	# the first two answers and the last two are one message each
	run -0 jq -r .MessageId "$out"
	[ "${lines[0]}" = "${lines[1]}" ]
	[ "${lines[2]}" = "${lines[3]}" ]
	[ "${lines[1]}" != "${lines[2]}" ]
	run -0 jq -r '.Attributes.SentTimestamp' "$BATS_TEST_TMPDIR/std"
	assert_output "$(printf '1704110400000\n1704110700000')"
}

@test "FIFO envelope: SequenceNumber after MessageId, no signature fields" {
	run -0 sns-publish -S "$F/fifo-subscriptions.ndjson" -t Std=- <<<'{"Message":"Test","MessageGroupId":"g"}'
	run -0 jq -r .Body <<<"$output"
	assert_output '{
  "Type" : "Notification",
  "MessageId" : "5628f723-a7ec-4952-b093-cf693d2cd36f",
  "SequenceNumber" : "10000000000000000001",
  "TopicArn" : "arn:aws:sns:us-east-1:123456789012:Orders.fifo",
  "Message" : "Test",
  "Timestamp" : "2024-01-01T12:00:00.000Z",
  "UnsubscribeURL" : "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:Orders.fifo:9caa8eda-b0d2-4b09-8945-bef4420485a0"
}'
}

@test "FIFO and standard topics: AWS's errors for dedup ids and queues, without ContentBasedDeduplication" {
	sed 1d "$F/fifo-subscriptions.ndjson" > "$BATS_TEST_TMPDIR/s"
	run -1 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" <<<'{"Message":"a","MessageGroupId":"g"}
{"Message":"b","MessageGroupId":"g","MessageDeduplicationId":"1"}'
	assert_output '{"MessageId":"a3b5e558-b3f7-4bbf-b670-b2b23fe67f16","SequenceNumber":"10000000000000000001"}'
	assert_equal "$stderr" "sns-publish: <stdin>:1: InvalidParameter: Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
	run -1 --separate-stderr sns-publish -S "$SUBS" <<<'{"Message":"a","MessageDeduplicationId":"1"}'
	assert_equal "$stderr" "sns-publish: <stdin>:1: InvalidParameter: Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type"
	sub '{}' | sed 's/:q"/:q.fifo"/' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"
	printf '{"Name":"Orders","Attributes":{"FifoTopic":"true"}}\n' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
	printf '{"Name":"O.fifo"}\n{"TopicArn":"arn:aws:sns:us-east-1:123456789012:O.fifo","Protocol":"lambda","Endpoint":"f"}\n' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Topic Name"
	printf '{"Name":"O.fifo","Attributes":{"FifoTopic":"true","ContentBasedDeduplication":"yes"}}\n' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: ContentBasedDeduplication: Invalid value [yes]. Must be true or false."
	printf '{"TopicArn":"arn:aws:sns:us-east-1:123456789012:O.fifo","Protocol":"lambda","Endpoint":"f"}\n' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: protocol lambda: a FIFO topic delivers to SQS queues only"
}

@test "https: one record per POST, with the headers AWS sends and the envelope as the body" {
	run -0 --separate-stderr sns-publish -S "$F/http-subscriptions.ndjson" -t hooks.example.com=- "$F/http-publish.ndjson"
	assert_output "$(cat "$F/https.expected")"
	run -0 jq -r '.body | fromjson | .Message' <<<"$output"
	assert_output "hello
for https"
}

@test "http with RawMessageDelivery: the message as the body, x-amz-sns-rawdelivery: true" {
	run -0 --separate-stderr sns-publish -S "$F/http-subscriptions.ndjson" -t http://raw.example.com:8080/in=- "$F/http-publish.ndjson"
	assert_output "$(cat "$F/http-raw.expected")"
	run -0 jq -r '.headers["x-amz-sns-rawdelivery"] + " " + .body' <<<"$output"
	assert_output "true hello
true d"
}

@test "email-json: the JSON envelope, one per line" {
	run -0 --separate-stderr sns-publish -S "$F/http-subscriptions.ndjson" -t ops@example.com=- "$F/http-publish.ndjson"
	assert_output "$(cat "$F/email-json.expected")"
	run -0 jq -r '[.Type, .Subject, .Message] | join(" ")' <<<"$output"
	assert_output "Notification Hi hello
Notification  for email-json"
}

@test "email and sms are refused, other protocols too, raw email-json as well (exit 3)" {
	for p in email sms; do
		printf '{"TopicArn":"%s","Protocol":"%s","Endpoint":"x"}\n' "$TOPIC" $p > "$BATS_TEST_TMPDIR/s"
		run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
		assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: protocol $p: a text for a person cannot be written as a delivery record (use email-json or an sqs queue)"
	done
	printf '{"TopicArn":"%s","Protocol":"firehose","Endpoint":"x"}\n' "$TOPIC" > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: protocol firehose is not implemented (sqs, lambda, http, https and email-json are)"
	printf '{"TopicArn":"%s","Protocol":"email-json","Endpoint":"x","Attributes":{"RawMessageDelivery":"true"}}\n' "$TOPIC" > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: RawMessageDelivery: email-json subscriptions receive the JSON envelope, never raw messages"
}

@test "SQS copies carry MessageGroupId; a FIFO queue's, the deduplication id (content: SHA-256, as AWS)" {
	run -0 sns-publish -S "$F/fifo-subscriptions.ndjson" -t Q.fifo=- -t Std=- <<'EOF2'
{"Message":"Test","MessageGroupId":"g"}
{"Message":"Test2","MessageGroupId":"g","MessageDeduplicationId":"d1"}
EOF2
	run -0 jq -c .Attributes <<<"$output"
	assert_output '{"SentTimestamp":"1704110400000","SequenceNumber":"17041104000000000001","MessageGroupId":"g","SenderId":"123456789012","MessageDeduplicationId":"532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25"}
{"SentTimestamp":"1704110400000","MessageGroupId":"g","SenderId":"123456789012"}
{"SentTimestamp":"1704110400000","SequenceNumber":"17041104000000000002","MessageGroupId":"g","SenderId":"123456789012","MessageDeduplicationId":"d1"}
{"SentTimestamp":"1704110400000","MessageGroupId":"g","SenderId":"123456789012"}'
	# a standard topic passes MessageGroupId on too (AWS recorded it)
	run -0 sns-publish -S "$SUBS" -t Raw=- <<<'{"Message":"x","MessageGroupId":"g1"}'
	assert_output '{"MessageId":"3b0778a9-25e3-48e0-a416-2666b195af51","MD5OfBody":"9dd4e461268c8034f5c8564e155c67a6","Body":"x","Attributes":{"SentTimestamp":"1704110400000","MessageGroupId":"g1","SenderId":"123456789012"}}'
}

@test "a CloudFormation template: AWS::SNS::Topic with inline subscriptions, AWS::SNS::Subscription, Ref and Fn::GetAtt" {
	run -0 --separate-stderr sns-publish -S "$F/template.json" -t Orders=- "$F/template-publish.ndjson"
	assert_output "$(cat "$F/template-orders.expected")"
	# RawMessageDelivery true (a boolean), the policy's number filter
	run -0 jq -r .Body <<<"$output"
	assert_output big
	run -0 sns-publish -S "$F/template.json" -t arn:aws:lambda:us-east-1:123456789012:function:Audit=- "$F/template-publish.ndjson"
	assert_output "$(cat "$F/template-audit.expected")"
	# the other topic of the template, by name
	run -0 sns-publish -S "$F/template.json" -T Other -t Orders=- <<<'{"Message":"x"}'
	run -0 jq -r '.Body | fromjson | .TopicArn' <<<"$output"
	assert_output arn:aws:sns:us-east-1:123456789012:Other
}

@test "a template's FIFO topic: FifoTopic and ContentBasedDeduplication as booleans, a name made from the logical id" {
	cat > "$BATS_TEST_TMPDIR/t.json" <<'EOF2'
{
 "Resources":{
 "T":{"Type":"AWS::SNS::Topic","Properties":{"FifoTopic":true,"ContentBasedDeduplication":true}},
 "Q":{"Type":"AWS::SQS::Queue","Properties":{"FifoQueue":"true"}},
 "S":{"Type":"AWS::SNS::Subscription","Properties":{"TopicArn":{"Ref":"T"},"Protocol":"sqs","Endpoint":{"Fn::GetAtt":"Q.Arn"},"RawMessageDelivery":"true"}}}}
EOF2
	run -0 sns-publish -S "$BATS_TEST_TMPDIR/t.json" -t Q.fifo=- <<<'{"Message":"Test","MessageGroupId":"g"}
{"Message":"Test","MessageGroupId":"g"}'
	assert_output '{"MessageId":"cd2bd703-891f-4cf9-97e9-9659ff021284","MD5OfBody":"0cbc6611f5540bd0809a388dc95a615b","Body":"Test","Attributes":{"SentTimestamp":"1704110400000","SequenceNumber":"17041104000000000001","MessageGroupId":"g","SenderId":"123456789012","MessageDeduplicationId":"532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25"}}'
}

@test "RedrivePolicy: checked with AWS's messages, in every shape (exit 3)" {
	sub '{"RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:dlq\"}"}' > "$BATS_TEST_TMPDIR/s"
	run -0 sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	sub '{"RedrivePolicy":"{\"deadLetterTargetArn\":\"dlq\"}"}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: RedrivePolicy: deadLetterTargetArn is an invalid arn"
	sub '{"RedrivePolicy":"{"}' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:1: InvalidParameter: Invalid parameter: Attributes Reason: RedrivePolicy: failed to parse JSON. Unfinished JSON term at EOF at line 1, column 1 (while parsing '{')"
	printf '{"Name":"O.fifo","Attributes":{"FifoTopic":"true"}}\n{"SubscriptionArn":"arn:aws:sns:us-east-1:123456789012:O.fifo:1","TopicArn":"arn:aws:sns:us-east-1:123456789012:O.fifo","Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:123456789012:q.fifo","Attributes":{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:us-east-1:123456789012:dlq\\"}"}}\n' > "$BATS_TEST_TMPDIR/s"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/s" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/s:2: InvalidParameter: Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic."
	printf '{"Resources":{"T":{"Type":"AWS::SNS::Topic"},"S":{"Type":"AWS::SNS::Subscription","Properties":{"TopicArn":{"Ref":"T"},"Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:123456789012:q","RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["Nope","Arn"]}}}}}}\n' > "$BATS_TEST_TMPDIR/t.json"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/t.json" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/t.json:1: resource S: RedrivePolicy: deadLetterTargetArn: no resource of the template has this logical id"
}

@test "template errors are located by resource (exit 3)" {
	printf '{"Resources":{"S":{"Type":"AWS::SNS::Subscription","Properties":{"TopicArn":{"Ref":"Nope"},"Protocol":"sqs","Endpoint":"q"}}}}\n' > "$BATS_TEST_TMPDIR/t.json"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/t.json" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/t.json:1: resource S: TopicArn: Ref: no resource of the template has this logical id"
	printf '{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"Subscription":[{"Protocol":"sqs","Endpoint":{"Fn::Sub":"x"}}]}}}}\n' > "$BATS_TEST_TMPDIR/t.json"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/t.json" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/t.json:1: resource T: Endpoint: expected a string, a Ref or a Fn::GetAtt"
	printf '{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"Subscription":[{"Protocol":"sqs","Endpoint":"q"}]}},"S":{"Type":"AWS::SNS::Subscription","Properties":{"TopicArn":{"Ref":"T"},"Protocol":"sqs","Endpoint":"q","FilterPolicy":{"a":[{"wildcard":"x*"}]}}}}}\n' > "$BATS_TEST_TMPDIR/t.json"
	run -3 --separate-stderr sns-publish -S "$BATS_TEST_TMPDIR/t.json" </dev/null
	assert_equal "$stderr" "sns-publish: $BATS_TEST_TMPDIR/t.json:1: resource S: InvalidParameter: Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type wildcard"
}

@test "-E: ebus-match | sns-publish, the event as the Message (compact, no Subject, no attributes)" {
	event() { echo '{"category":"lab-supplies","value":415}' | ebus-put -s com.aws.orders -d 'Order Notification'; }
	sub '{}' > "$BATS_TEST_TMPDIR/s"
	run -0 --separate-stderr bash -c "$(declare -f event); event | ebus-match -R '$F/eventbridge-rules.json' -t Orders=- | sns-publish -E -S '$BATS_TEST_TMPDIR/s' -t q=-"
	assert_equal "$stderr" ""
	run -0 jq -r '.Body | fromjson | [.Message, has("Subject"), has("MessageAttributes")] | @tsv' <<<"$output"
	assert_output "$(printf '%s\tfalse\tfalse' '{"version":"0","id":"54be3ad0-74cf-4a37-92fe-cac94a6b6407","detail-type":"Order Notification","source":"com.aws.orders","account":"123456789012","time":"2024-01-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"category":"lab-supplies","value":415}}')"
	# a transformed input is the Message as the template made it
	run -0 bash -c "$(declare -f event); event | ebus-match -R '$F/eventbridge-rules.json' -t Text=- -t Obj=- | sns-publish -E -S '$BATS_TEST_TMPDIR/s' -t q=-"
	run -0 jq -r '.Body | fromjson | .Message' <<<"$output"
	assert_output '"Order from com.aws.orders"
{"src": "com.aws.orders"}'
}

@test "-E: an event with spaces is made compact; bad lines are located, the rest published" {
	sub '{"RawMessageDelivery":"true"}' > "$BATS_TEST_TMPDIR/s"
	big=$(head -c 262145 /dev/zero | tr '\0' a)
	run -4 --separate-stderr sns-publish -k -E -S "$BATS_TEST_TMPDIR/s" -t q=- <<EOF2
{ "version": "0", "id": "1", "detail-type": "t", "source": "s", "account": "1", "time": "2024-01-01T00:00:00Z", "region": "r", "resources": [], "detail": { "a": 1 } }
not json
"$big"
"ok"
EOF2
	run -0 jq -r .Body <<<"$output"
	assert_output '{"version":"0","id":"1","detail-type":"t","source":"s","account":"1","time":"2024-01-01T00:00:00Z","region":"r","resources":[],"detail":{"a":1}}
"ok"'
	assert_equal "$stderr" "sns-publish: <stdin>:2: Invalid numeric literal at line 1, column 4
sns-publish: <stdin>:3: InvalidParameter: Invalid parameter: Message too long"
}
