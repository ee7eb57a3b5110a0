#!/usr/bin/env bats
# Bash completion: options from --help, and arguments from rules files
# and the log store.

load test_helper/common

complete_line() {	# complete_line WORD... : complete the last word
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_edakit
	printf '%s\n' "${COMPREPLY[@]}"
}

setup() {
	source "$ROOT/share/completions/edakit"
}

@test "every program completes its long options from --help" {
	for p in $PROGS; do
		run -0 complete_line "$p" --hel
		assert_output --help
	done
	run -0 complete_line ebus-put --re
	assert_output "--region
--replay
--resources
--response"
}

@test "ebus-match -t completes the target ids of the rules file" {
	run -0 complete_line ebus-match -R "$ROOT/share/examples/orders/orders-rules.json" -t ""
	assert_output "OrdersDevLogs=
OrderProcessing=
InventoryFunction=
OrdersTopic=
OrdersReplayQueue="
}

@test "log groups come from the store" {
	store="$BATS_TEST_TMPDIR/store"
	echo '{"a":1}' | cwlog-write --store "$store" -g /aws/events/orders
	echo '{"a":1}' | cwlog-write --store "$store" -g /aws/lambda/fn
	run -0 complete_line cwlog-tail --store "$store" /aws/e
	assert_output /aws/events/orders
	run -0 complete_line cwlog-write --store "$store" -g ""
	assert_output "/aws/events/orders
/aws/lambda/fn"
}

@test "fixed lists: invocation types, response types, clocks, formats" {
	run -0 complete_line lambda-invoke -t E
	assert_output Event
	run -0 complete_line lambda-invoke --function-response-types ""
	assert_output ReportBatchItemFailures
	run -0 complete_line lambda-invoke --event-source-arn Q --max-rec
	assert_output --max-receive-count
	run -0 complete_line sfn-run --clock v
	assert_output virtual
	run -0 complete_line cwlog-tail g --format nd
	assert_output ndjson
}

@test "sfn-eval is registered and completes its options" {
	run -0 complete -p sfn-eval
	assert_output "complete -F _edakit sfn-eval"
	run -0 complete_line sfn-eval --time
	assert_output --time-limit
	run -0 complete_line sfn-eval --un
	assert_output "--unbuffered
--undefined"
}

@test "completions are installed for every program" {
	dest="$BATS_TEST_TMPDIR/dest"
	run -0 make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr
	for p in $PROGS; do
		[ -f "$dest/usr/share/bash-completion/completions/$p" ]
	done
}

@test "sns-publish -t completes the subscription names of the subscriptions file" {
	subs="$BATS_TEST_TMPDIR/subs.json"
	printf '%s\n' '{"Subscriptions":[{"TopicArn":"arn:aws:sns:us-east-1:123456789012:Orders","Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:123456789012:Orders"},' \
	    '{"TopicArn":"arn:aws:sns:us-east-1:123456789012:Orders","Protocol":"lambda","Endpoint":"arn:aws:lambda:us-east-1:123456789012:function:Fn:live"}]}' > "$subs"
	run -0 complete_line sns-publish -S "$subs" -t ""
	assert_output "Orders=
Fn="
	run -0 complete_line sns-publish --subsc
	assert_output --subscriptions
}

@test "lambda-invoke completes the queue destination options" {
	run -0 complete_line lambda-invoke --on-failure
	assert_output "--on-failure
--on-failure-bus
--on-failure-queue"
	run -0 complete_line lambda-invoke --on-success-q
	assert_output --on-success-queue
}
