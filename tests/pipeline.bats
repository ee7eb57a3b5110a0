#!/usr/bin/env bats
# Acceptance: the workshop's architecture end to end through
# share/demo/demo.sh, under the deterministic switch.  Nothing here may
# depend on how busy the machine is: InventoryFunction gets a timeout of
# 120 s instead of Lambda's 3 (which counts the runtime's start-up), and
# waits poll for what they wait for, up to a deadline of minutes.

load test_helper/common

DEMO="$ROOT/share/demo/demo.sh"
T=120
EV="$ROOT/share/examples/orders/events"

setup() {
	OUT="$BATS_TEST_TMPDIR/out"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir -p "$TMPDIR"
}

# The messages of a log group, one per line.
messages() {
	cwlog-tail --store "$OUT/logs" "$1" --format ndjson | jq -r .message
}

# The pid of a process whose command line holds all the words given
# (read from /proc without starting a process that would match itself).
find_proc() {
	local f args
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' args 2>/dev/null < "$f" || continue
		local w ok=1
		for w in "$@"; do
			[[ " ${args[*]} " == *"$w"* ]] || { ok=0; break; }
		done
		if [ "$ok" = 1 ]; then
			f=${f#/proc/}
			echo "${f%/cmdline}"
		fi
	done
}

# poll SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds;
# fail saying so if it has not within SECONDS.
poll() {
	local limit=$1 deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "still false after ${limit}s: $*"
			return 1
		fi
		sleep 0.1
	done
}

# The demo's summary of a run in $OUT: the counts given, in order (the
# Orders queue's and the OrdersReplayQueue's are 0 unless given).
summary() {
	printf '%-18s %-40s %s\n' \
	    "Orders bus" "$1 in /aws/events/orders" "$OUT/logs" \
	    OrderProcessing "$2" "$OUT/executions.ndjson" \
	    InventoryFunction "$3" "$OUT/dead-letters.ndjson" \
	    "Inventory bus" "$4 in /aws/events/inventory" "$OUT/logs" \
	    "Orders bus again" "0 events for a third round" \
	    "$OUT/unrolled.ndjson" \
	    "Orders topic" "${5:-0 messages} in the Orders queue" \
	    "$OUT/queues/Orders.ndjson" \
	    "OrdersReplayQueue" "${6:-0 replayed events}" \
	    "$OUT/queues/OrdersReplayQueue.ndjson"
	echo "(read a log group with: cwlog-tail --store $OUT/logs --since 0 GROUP)"
}

# Nothing of this test left running, and no FIFO left behind.
assert_clean() {
	local left
	left=$(find_proc "$BATS_TEST_TMPDIR")
	if [ -n "$left" ]; then
		echo "left running: $left"
		return 1
	fi
	[ -z "$(find "$TMPDIR" -type p)" ]
	if [ -n "$(ls "$TMPDIR")" ]; then echo "left in TMPDIR: $(ls "$TMPDIR")"; return 1; fi
}

@test "1: an EU Order Notification ends as one inventory record, E3 exactly" {
	run -0 --separate-stderr "$DEMO" -t $T "$OUT" "$EV/lambda-destinations-older.json"
	assert_equal "$stderr" ""
	shown=$output
	# /aws/events/orders holds E1 and E2
	run -0 messages /aws/events/orders
	assert_equal "${#lines[@]}" 2
	e1=$(messages /aws/events/orders | jq -c 'select(."detail-type" == "Order Notification")')
	e2=$(messages /aws/events/orders | grep '"detail-type":"Order Processed"')
	json_eq "$(jq -c .detail <<<"$e1")" '{"category":"office-supplies","value":1200,"location":"eu-west"}'
	json_eq "$(jq -c .detail <<<"$e2")" '{"OrderId":"new_id","OrderDetails":{"category":"office-supplies","value":1200,"location":"eu-west"}}'
	# E2 carries the state machine's and the execution's ARNs
	exec_arn=$(jq -r .executionArn "$OUT/executions.ndjson")
	json_eq "$(jq -c .resources <<<"$e2")" "[\"arn:aws:states:us-east-1:123456789012:stateMachine:OrderProcessing\",\"$exec_arn\"]"
	# /aws/events/inventory holds exactly E3, byte for byte
	run -0 messages /aws/events/inventory
	assert_equal "${#lines[@]}" 1
	e3=${lines[0]}
	assert_equal "$e3" "$(cat "$FIXTURES/pipeline/e3.json")"
	[ "$(jq -r .source <<<"$e3")" = lambda ]
	[ "$(jq -r '."detail-type"' <<<"$e3")" = "Lambda Function Invocation Result - Success" ]
	json_eq "$(jq -c .resources <<<"$e3")" '["arn:aws:events:us-east-1:123456789012:event-bus/Inventory","arn:aws:lambda:us-east-1:123456789012:function:InventoryFunction:$LATEST"]'
	[ "$(jq -r .detail.requestContext.condition <<<"$e3")" = Success ]
	[ "$(jq -r .detail.requestContext.approximateInvokeCount <<<"$e3")" = 1 ]
	# requestPayload is E2 byte for byte; responsePayload is E2's detail
	payload=${e3#*\"requestPayload\":}
	payload=${payload%%,\"responseContext\":*}
	assert_equal "$payload" "$e2"
	response=${e3#*\"responsePayload\":}
	response=${response%\}\}}
	e2detail=${e2#*\"detail\":}
	assert_equal "$response" "${e2detail%\}}"
	# the execution's output names E2's id
	e2id=$(jq -r .id <<<"$e2")
	[ "$(jq -r .status "$OUT/executions.ndjson")" = SUCCEEDED ]
	assert_equal "$(jq -r .output "$OUT/executions.ndjson")" "{\"Entries\":[{\"EventId\":\"$e2id\"}],\"FailedEntryCount\":0}"
	# the demo says what each stage did, then shows the inventory record
	# as aws logs tail --format json does
	assert_equal "$shown" "$(summary "2 events" "1 execution: 1 SUCCEEDED" \
	    "1 succeeded, 0 failed" "1 event")

/aws/events/inventory:
2024-01-01T12:00:00+00:00 $(cwlog-tail --store "$OUT/logs" /aws/events/inventory --format ndjson | jq -r .logStreamName)
$(jq --indent 4 . <<<"$e3")"
	[ ! -s "$OUT/dead-letters.ndjson" ]
	[ ! -s "$OUT/unrolled.ndjson" ]
	assert_clean
}

@test "1b: make demo prints README.md's sample, byte for byte" {
	# make demo: EDAKIT_DETERMINISTIC=1 demo.sh build/demo
	# share/examples/orders/events/lambda-destinations.json
	awk '/<!-- the output of make demo/ { f = 1; next }
	    f && /^```$/ { if (b) exit; b = 1; next } b' "$ROOT/README.md" \
	    > "$BATS_TEST_TMPDIR/sample"
	[ -s "$BATS_TEST_TMPDIR/sample" ]
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr bash -c "'$DEMO' -t $T build/demo '$EV/lambda-destinations.json' > got"
	assert_equal "$stderr" ""
	run -0 diff -u sample got
	assert_clean
}

@test "1c: -t is InventoryFunction's timeout" {
	printf '#!/bin/sh\nexec sleep 600\n' > "$BATS_TEST_TMPDIR/stuck"
	chmod +x "$BATS_TEST_TMPDIR/stuck"
	run -1 --separate-stderr "$DEMO" -t 0.5 -f "$BATS_TEST_TMPDIR/stuck" "$OUT" "$EV/lambda-destinations.json"
	assert_equal "$stderr" "demo: 1 invocations of InventoryFunction failed: see $OUT/dead-letters.ndjson"
	run -0 jq -c '.Body | fromjson | .responsePayload' "$OUT/dead-letters.ndjson"
	assert_output '{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: eb140e90-4bb9-4a11-b9da-1db558e170f9 Error: Task timed out after 0.50 seconds"}'
	assert_clean
}

@test "2: a us-east order is logged, starts no execution, reaches no inventory" {
	run -0 --separate-stderr "$DEMO" -t $T "$OUT" "$EV/api-destination.json"
	# (lab supplies: USLabSupplyRule sends it to the Orders topic)
	assert_output "$(summary "1 event" "0 executions" "0 succeeded, 0 failed" \
	    "0 events" "1 message")"
	run -0 messages /aws/events/orders
	assert_equal "${#lines[@]}" 1
	[ "$(jq -r .detail.location <<<"${lines[0]}")" = us-east ]
	[ ! -s "$OUT/executions.ndjson" ]
	run -0 messages /aws/events/inventory
	assert_output ""
	assert_clean
}

@test "2b: the SNS challenge: the us-east lab-supplies order reaches the Orders queue in the SNS envelope" {
	run -0 --separate-stderr "$DEMO" -t $T "$OUT" "$EV/sns.json"
	assert_output "$(summary "2 events" "0 executions" "0 succeeded, 0 failed" \
	    "0 events" "1 message")"
	# one SQS message (the signed us-west order is not lab supplies)
	run -0 jq -c '[keys_unsorted, (.Body | fromjson | [.Type, .TopicArn,
	    has("Subject"), has("MessageAttributes"), .SignatureVersion,
	    (.Message | fromjson | [."detail-type", .detail.location, .detail.category])])]' \
	    "$OUT/queues/Orders.ndjson"
	assert_output '[["MessageId","MD5OfBody","Body","Attributes"],["Notification","arn:aws:sns:us-east-1:123456789012:Orders",false,false,"1",["Order Notification","us-east","lab-supplies"]]]'
	# the envelope as SNS lays it out, the event in it compact
	run -0 jq -r '.Body' "$OUT/queues/Orders.ndjson"
	assert_line --index 0 '{'
	assert_line --index 1 '  "Type" : "Notification",'
	assert_line --regexp '^  "Message" : "\{\\"version\\":\\"0\\",'
	assert_line --index 10 '}'
	# the extra credit: a signed lab-supplies order is the topic's only
	# with the first rule, no one's with the signature variant
	sig='{"Source":"com.aws.orders","EventBusName":"Orders","DetailType":"Order Notification","Detail":"{\"category\":\"lab-supplies\",\"value\":10,\"location\":\"us-east\",\"signature\":[\"John Doe\"]}"}'
	for rules in orders-rules.json us-lab-supply-rule-variant.json; do
		bash -c "{ cat '$EV/sns.json'; echo '$sig'; } | ebus-put --bus Orders |
		    ebus-match -R '$EV/../$rules' -t OrdersTopic=- |
		    jq -c '[.detail.location, .detail.signature]'"
	done > "$BATS_TEST_TMPDIR/got"
	run -0 cat "$BATS_TEST_TMPDIR/got"
	assert_output - <<-'EOF'
	["us-east",null]
	["us-east",["John Doe"]]
	["us-east",null]
	EOF
}

@test "3: force-error: no success record, one RetriesExhausted dead letter" {
	run -1 --separate-stderr "$DEMO" -t $T "$OUT" "$EV/error-handling.json"
	assert_output "$(summary "1 event" "0 executions" "0 succeeded, 1 failed" \
	    "0 events")"
	assert_equal "$stderr" "demo: 1 invocations of InventoryFunction failed: see $OUT/dead-letters.ndjson"
	run -0 messages /aws/events/inventory
	assert_output ""
	run -0 wc -l < "$OUT/dead-letters.ndjson"
	assert_output 1
	# an SQS message of InventoryFunctionDLQ whose body is the record
	run -0 jq -c '[keys_unsorted, .Attributes.SenderId,
	    (.Body | fromjson | keys_unsorted)]' "$OUT/dead-letters.ndjson"
	assert_output '[["MessageId","MD5OfBody","Body","Attributes"],"123456789012",["version","timestamp","requestContext","requestPayload","responseContext","responsePayload"]]'
	run -0 bash -c "jq -j .Body '$OUT/dead-letters.ndjson' | md5sum | cut -c1-32"
	assert_output "$(jq -r .MD5OfBody "$OUT/dead-letters.ndjson")"
	d=$(jq -c '.Body | fromjson' "$OUT/dead-letters.ndjson")
	[ "$(jq -r .requestContext.condition <<<"$d")" = RetriesExhausted ]
	[ "$(jq -r .requestContext.approximateInvokeCount <<<"$d")" = 1 ]
	[ "$(jq -r .responseContext.functionError <<<"$d")" = Unhandled ]
	[ "$(jq -r .responsePayload.errorMessage <<<"$d")" = "FAILED! (force-error == true)" ]
	[ "$(jq -r .responsePayload.errorType <<<"$d")" = Exception ]
	# the direct event went to the function once, not through OrderProcessing
	[ ! -s "$OUT/executions.ndjson" ]
	assert_clean
}

@test "4: the destinations page's direct Order Processed event: one inventory record" {
	run -0 --separate-stderr "$DEMO" -t $T "$OUT" "$EV/lambda-destinations.json"
	run -0 messages /aws/events/inventory
	assert_equal "${#lines[@]}" 1
	json_eq "$(jq -c .detail.responsePayload <<<"${lines[0]}")" '{"category":"office-supplies","value":1200,"location":"eu-west","OrderDetails":"completed"}'
	[ ! -s "$OUT/executions.ndjson" ]
	assert_clean
}

@test "5: replay: OrdersReplayRule fires for replayed events only" {
	run -0 --separate-stderr "$DEMO" -t $T "$OUT" "$EV/archive-replay.json"
	messages /aws/events/orders > "$BATS_TEST_TMPDIR/captured.ndjson"
	run -0 wc -l < "$BATS_TEST_TMPDIR/captured.ndjson"
	assert_output 2
	rule='{"replay-name":[{"exists":true}],"source":["com.aws.orders"]}'
	run -1 ebus-match -c -p "$rule" "$BATS_TEST_TMPDIR/captured.ndjson"
	assert_output 0
	run -0 bash -c "ebus-put --replay OrdersReplay '$BATS_TEST_TMPDIR/captured.ndjson' | ebus-match -c -p '$rule'"
	assert_output 2
	# replayed through the whole pipeline, the events are processed again
	run -0 --separate-stderr bash -c "ebus-put --replay OrdersReplay '$BATS_TEST_TMPDIR/captured.ndjson' |
	    '$DEMO' -t $T '$BATS_TEST_TMPDIR/replayed'"
	OUT="$BATS_TEST_TMPDIR/replayed"
	# E1 and E2 replayed, and the E2 that OrderProcessing made anew
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/orders --format ndjson | wc -l"
	assert_output 3
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/orders --format ndjson | jq -r .message | ebus-match -c -p '$rule'"
	assert_output 2
	run -0 messages /aws/events/inventory
	assert_equal "${#lines[@]}" 2
	# OrdersReplayRule's target, the OrdersReplayQueue, got the replays
	# (and the first run nothing)
	[ ! -s "$BATS_TEST_TMPDIR/out/queues/OrdersReplayQueue.ndjson" ]
	run -0 jq -c '.Body | fromjson | [."detail-type", ."replay-name"]' \
	    "$OUT/queues/OrdersReplayQueue.ndjson"
	assert_output - <<-'EOF'
	["Order Notification","OrdersReplay"]
	["Order Processed","OrdersReplay"]
	EOF
}

@test "5b: a capture older than 14 days is replayed and logged with its own times" {
	run -0 --separate-stderr "$DEMO" "$OUT" "$EV/api-destination.json"
	messages /aws/events/orders | jq -c '.time = "2023-06-01T10:00:00Z"' \
	    > "$BATS_TEST_TMPDIR/old.ndjson"
	run -0 --separate-stderr bash -c "ebus-put --replay OrdersReplay '$BATS_TEST_TMPDIR/old.ndjson' |
	    '$DEMO' '$BATS_TEST_TMPDIR/replayed'"
	assert_equal "$stderr" ""
	run -0 bash -c "cwlog-tail --store '$BATS_TEST_TMPDIR/replayed/logs' /aws/events/orders --since 2023-01-01T00:00:00Z --format ndjson | jq -c '[.timestamp, (.message | fromjson | .\"replay-name\")]'"
	assert_output '[1685613600000,"OrdersReplay"]'
}

@test "5c: entries for other buses are kept apart, not dropped: exit 0" {
	printf '%s\n' '{"Source":"com.aws.orders","DetailType":"Order Notification","Detail":"{\"location\":\"eu-west\"}"}' \
	    '{"Source":"com.aws.orders","DetailType":"Order Notification","EventBusName":"Orders","Detail":"{\"location\":\"us-east\"}"}' \
	    '{"Source":"com.aws.orders","DetailType":"Order Notification","EventBusName":"Inventory","Detail":"{\"location\":\"eu-east\"}"}' \
	    > "$BATS_TEST_TMPDIR/mixed.ndjson"
	run -0 --separate-stderr "$DEMO" "$OUT" "$BATS_TEST_TMPDIR/mixed.ndjson"
	assert_line --index 0 "Orders bus         1 event in /aws/events/orders            $OUT/logs"
	assert_equal "$stderr" "demo: 2 input events are for other buses than Orders: see $OUT/other-buses.ndjson"
	run -0 jq -r .detail.location "$OUT/other-buses.ndjson"
	assert_output "eu-west
eu-east"
	run -0 messages /aws/events/orders
	assert_equal "${#lines[@]}" 1
	[ "$(jq -r .detail.location <<<"${lines[0]}")" = us-east ]
	assert_clean
}

@test "6: 10,000 generated orders: every order is accounted for" {
	awk 'BEGIN {
		split("eu-west eu-east us-east us-west eu-south", L, " ")
		for (i = 0; i < 10000; i++) {
			dt = i % 10 == 9 ? "Order Processed" : "Order Notification"
			od = dt == "Order Processed" ? ",\\\"OrderDetails\\\":\\\"completed\\\"" : ""
			printf "{\"Source\":\"com.aws.orders\",\"DetailType\":\"%s\",\"EventBusName\":\"Orders\",\"Detail\":\"{\\\"category\\\":\\\"office-supplies\\\",\\\"value\\\":%d,\\\"location\\\":\\\"%s\\\",\\\"n\\\":%d%s}\"}\n", dt, (i * 37) % 2000, L[i % 5 + 1], i, od
		}
	}' > "$BATS_TEST_TMPDIR/orders.ndjson"
	run -0 --separate-stderr timeout 3600 "$DEMO" -t $T "$OUT" "$BATS_TEST_TMPDIR/orders.ndjson"
	assert_equal "$stderr" ""
	# 9,000 Order Notifications, 4,000 of them in eu-west or eu-east;
	# 1,000 Order Processed events put directly (in eu-south)
	run -0 bash -c "wc -l < '$OUT/executions.ndjson'"
	assert_output 4000
	run -0 bash -c "jq -r .status '$OUT/executions.ndjson' | sort | uniq -c | tr -s ' '"
	assert_output " 4000 SUCCEEDED"
	# every order once, and every event OrderProcessing published
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/orders --format ndjson | wc -l"
	assert_output 14000
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/inventory --format ndjson | wc -l"
	assert_output 5000
	run -0 bash -c "wc -l < '$OUT/dead-letters.ndjson'"
	assert_output 0
	# every order number arrives in the inventory exactly once
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/inventory --format ndjson |
	    jq -r '.message | fromjson | .detail.responsePayload | if (.OrderDetails | type) == \"object\" then .OrderDetails.n else .n end' | sort -n | uniq | wc -l"
	assert_output 5000
	assert_clean
}

@test "7a: a handler killed mid-stream: exit non-zero naming the stage, nothing else lost" {
	for i in 1 2 3 4 5; do
		k=
		if [ "$i" = 3 ]; then k=',\"kill\":true'; fi
		echo "{\"Source\":\"com.aws.orders\",\"EventBusName\":\"Orders\",\"DetailType\":\"Order Notification\",\"Detail\":\"{\\\"location\\\":\\\"eu-west\\\",\\\"n\\\":$i$k}\"}"
	done > "$BATS_TEST_TMPDIR/orders.ndjson"
	run -1 --separate-stderr "$DEMO" -t $T -f "$FIXTURES/pipeline/killer-runtime" "$OUT" "$BATS_TEST_TMPDIR/orders.ndjson"
	assert_equal "$stderr" "demo: 1 invocations of InventoryFunction failed: see $OUT/dead-letters.ndjson"
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/inventory --format ndjson |
	    jq -r '.message | fromjson | .detail.responsePayload.OrderDetails.n' | sort -n | tr '\n' ' '"
	assert_output "1 2 4 5 "
	d=$(jq -c '.Body | fromjson' "$OUT/dead-letters.ndjson")
	[ "$(jq -r .responsePayload.errorType <<<"$d")" = Runtime.ExitError ]
	[ "$(jq -r .requestPayload.detail.OrderDetails.n <<<"$d")" = 3 ]
	assert_clean
}

# Something has reached /aws/events/inventory.
inventory_logged() {
	[ -n "$(cwlog-tail --store "$OUT/logs" /aws/events/inventory --format ndjson 2>/dev/null)" ]
}

# The demo's FIFOs exist (so its traps are set).
fifos_made() {
	[ -n "$(find "$TMPDIR" -type p)" ]
}

@test "7b: a FIFO reader gone: the failed stages are named, nothing is left behind" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$DEMO" -t $T "$OUT" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/stdout" 2> "$BATS_TEST_TMPDIR/stderr" &
	demo=$!
	exec 7> "$BATS_TEST_TMPDIR/in"
	echo '{"Source":"com.aws.orders","EventBusName":"Orders","DetailType":"Order Notification","Detail":"{\"location\":\"eu-west\",\"n\":1}"}' >&7
	# wait until order 1 is logged, then take the orders log's reader away
	poll 600 inventory_logged
	# (this test's: other runs of the suite may be going on meanwhile)
	reader=$(find_proc cwlog-write orders-log-1 "$BATS_TEST_TMPDIR")
	[ -n "$reader" ] && [ "$reader" = "${reader%%[!0-9]*}" ]
	kill "$reader"
	while [ -d "/proc/$reader" ]; do sleep 0.1; done
	echo '{"Source":"com.aws.orders","EventBusName":"Orders","DetailType":"Order Notification","Detail":"{\"location\":\"eu-west\",\"n\":2}"}' >&7
	exec 7>&-
	status=0
	wait "$demo" || status=$?
	assert_equal "$status" 2
	run -0 cat "$BATS_TEST_TMPDIR/stderr"
	assert_line "demo: cwlog-write (/aws/events/orders, round 1): killed by signal 15"
	assert_line "demo: ebus-match (Orders rules, round 1): killed by signal 13"
	# order 1, acknowledged before the fault, is in the inventory
	run -0 bash -c "cwlog-tail --store '$OUT/logs' /aws/events/inventory --format ndjson |
	    jq -r '.message | fromjson | .detail.responsePayload.OrderDetails.n'"
	assert_line 1
	assert_clean
}

@test "7c: interrupted (SIGTERM, SIGINT): every stage stops, the FIFOs go" {
	for sig in TERM INT; do
		rm -rf "$OUT"
		mkfifo "$BATS_TEST_TMPDIR/in.$sig"
		# restore SIGINT's default, which bash drops for background jobs
		python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$DEMO" -t $T "$OUT" < "$BATS_TEST_TMPDIR/in.$sig" 2> "$BATS_TEST_TMPDIR/stderr" &
		demo=$!
		exec 7> "$BATS_TEST_TMPDIR/in.$sig"
		echo '{"Source":"com.aws.orders","EventBusName":"Orders","DetailType":"Order Notification","Detail":"{\"location\":\"eu-west\"}"}' >&7
		poll 600 fifos_made
		sleep 0.5
		kill -"$sig" "$demo"
		status=0
		wait "$demo" || status=$?
		assert_equal "$status" 130
		exec 7>&-
		run -0 cat "$BATS_TEST_TMPDIR/stderr"
		assert_output "demo: interrupted"
		assert_clean
	done
}
