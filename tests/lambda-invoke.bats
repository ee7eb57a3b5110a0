#!/usr/bin/env bats
# lambda-invoke: invocation types, the handler contract, faults, retries on
# the virtual clock, destination records and events, logs, concurrency.

load test_helper/common

F="$FIXTURES/lambda-invoke"
# The workshop's InventoryFunction, its code unchanged, as Lambda runs it.
INV=("$ROOT/share/runtimes/python-handler" -d "$ROOT/share/examples/orders/inventory"
    index.lambda_handler)

# The request id the deterministic switch gives the first invocation of a
# run (the log stream's id comes first, then one id per payload).
first_id() {
	lambda-invoke -q -n Probe "$F/show-env" <<<"$1" |
	    jq -r .LAMBDA_RUNTIME_AWS_REQUEST_ID
}

# No process whose command line holds $1 may be left.
no_process() {
	run -1 pgrep -f -- "$1"
}

@test "RequestResponse: one response per payload, in order, numbers kept" {
	run -0 --separate-stderr lambda-invoke -q cat <<-'EOF'
	{"a":1}
	{"big": 9007199254740993, "f": 2.50}

	[1, "x"]
	EOF
	assert_output $'{"a":1}\n{"big":9007199254740993,"f":2.50}\n[1,"x"]'
	assert_equal "$stderr" ""
}

@test "an error object on stdout is the error payload; the next call is unaffected" {
	run -1 --separate-stderr lambda-invoke -q "$F/raise" <<<'{"a":1}'
	assert_output '{"errorMessage":"bad order","errorType":"ValueError","stackTrace":[]}'
	run -0 --separate-stderr bash -c "printf '%s\n' '{\"n\":1}' '{\"n\":2}' |
	    lambda-invoke -q sh -c 'read -r l; case \$l in *1*) exit 3;; esac; echo \"\$l\"'
	    [ \$? = 1 ]"
	assert_line --index 1 '{"n":2}'
	[[ "${lines[0]}" == '{"errorType":"Runtime.ExitError","errorMessage":"RequestId: '*' Error: Runtime exited with error: exit status 3"}' ]]
}

@test "a non-zero exit is Runtime.ExitError with the request id" {
	id=$(first_id '{"a":1}')
	run -1 --separate-stderr lambda-invoke -q -n Probe sh -c 'exit 7' <<<'{"a":1}'
	assert_output "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: $id Error: Runtime exited with error: exit status 7\"}"
}

@test "a handler killed by a signal is Runtime.ExitError naming the signal" {
	run -1 --separate-stderr lambda-invoke -q sh -c 'kill -TERM $$' <<<'{}'
	assert_output --regexp '^\{"errorType":"Runtime.ExitError","errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: terminated"\}$'
}

@test "a timeout kills the whole process group with Lambda's message" {
	id=$(first_id '{"a":1}')
	run -1 --separate-stderr lambda-invoke -q -n Probe -T 0.2 \
	    sh -c 'sleep 31.4159 & sleep 31.4159' <<<'{"a":1}'
	assert_output "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: $id Error: Task timed out after 0.20 seconds\"}"
	no_process 'sleep 31.4159'
}

@test "the default timeout is 3 seconds, as Lambda's" {
	run -0 bash -c "lambda-invoke --help | grep -- '--timeout'"
	assert_output --partial '(3)'
}

@test "children that outlive the handler are killed; no orphan, no zombie" {
	run -0 --separate-stderr lambda-invoke -q \
	    sh -c 'sleep 27.1828 & (sleep 27.1828 &); echo "{\"ok\":true}"' <<<'{}'
	assert_output '{"ok":true}'
	no_process 'sleep 27.1828'
	# No zombie left to this test (the machine's others are not ours).
	run -1 bash -c "ps -o stat=,comm= --ppid $$ | grep -q '^Z.*sleep'"
}

@test "a missing or non-executable handler is Runtime.InvalidEntrypoint" {
	run -1 --separate-stderr lambda-invoke -q ./no-such-handler <<<'{}'
	assert_output --regexp '"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId: [0-9a-f-]{36} Error: fork/exec ./no-such-handler: no such file or directory"'
	printf '#!/bin/sh\ncat\n' >"$BATS_TEST_TMPDIR/h"
	chmod -x "$BATS_TEST_TMPDIR/h"
	run -1 --separate-stderr lambda-invoke -q "$BATS_TEST_TMPDIR/h" <<<'{}'
	assert_output --partial 'fork/exec '"$BATS_TEST_TMPDIR/h"': permission denied"}'
}

@test "non-JSON output is Runtime.MarshalError; no output is null" {
	m='{"errorType":"Runtime.MarshalError","errorMessage":"Unable to marshal response: the response is not one JSON text"}'
	run -1 --separate-stderr lambda-invoke -q echo 'not json' <<<'{}'
	assert_output "$m"
	# No parser text, raw control characters included, no crash.
	for out in '"a\001b"' '{"x":"\033[1m"}' '"a\nb"' '{"a":1} 2' '{"a":"\000"}'; do
		run -1 --separate-stderr lambda-invoke -q printf "$out" <<<'{}'
		assert_output "$m"
	done
	run -1 --separate-stderr lambda-invoke -q printf '"\377"' <<<'{}'
	assert_output '{"errorType":"Runtime.MarshalError","errorMessage":"Unable to marshal response: the response is not valid UTF-8"}'
	run -0 --separate-stderr lambda-invoke -q true <<<'{}'
	assert_output 'null'
}

@test "a handler that never reads its stdin does not kill us" {
	run -0 --separate-stderr bash -c "jq -cn '{s: (\"x\" * 2000000)}' |
	    lambda-invoke -q -T 10 echo '{\"ok\":1}'"
	assert_output '{"ok":1}'
}

@test "a response over 6 MB is Function.ResponseSizeTooLarge" {
	run -1 --separate-stderr lambda-invoke -q -T 20 \
	    sh -c 'head -c 7000000 /dev/zero | tr "\0" 1' <<<'{}'
	assert_output '{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size (7000000 bytes) exceeded maximum allowed payload size (6291556 bytes)."}'
}

@test "the handler sees the Lambda environment and the invocation's context" {
	run -0 --separate-stderr lambda-invoke -q -n Env -m 512 -T 7 \
	    -r eu-west-1 -a 111111111111 -e GREETING=hi "$F/show-env" <<<'{"x":1}'
	run -0 jq -c 'del(.AWS_CA_BUNDLE, .AWS_LAMBDA_LOG_STREAM_NAME,
	    .LAMBDA_RUNTIME_AWS_REQUEST_ID, ._X_AMZN_TRACE_ID)' <<<"$output"
	assert_output '{"AWS_DEFAULT_REGION":"eu-west-1","AWS_LAMBDA_FUNCTION_MEMORY_SIZE":"512","AWS_LAMBDA_FUNCTION_NAME":"Env","AWS_LAMBDA_FUNCTION_VERSION":"$LATEST","AWS_LAMBDA_INITIALIZATION_TYPE":"on-demand","AWS_LAMBDA_LOG_GROUP_NAME":"/aws/lambda/Env","AWS_REGION":"eu-west-1","GREETING":"hi","LAMBDA_RUNTIME_DEADLINE_MS":"1704110407000","LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN":"arn:aws:lambda:eu-west-1:111111111111:function:Env","TZ":":UTC","payload":{"x":1}}'
	run -0 --separate-stderr lambda-invoke -q "$F/show-env" <<<'{}'
	run -0 jq -r '[.AWS_LAMBDA_FUNCTION_NAME, .AWS_LAMBDA_LOG_STREAM_NAME,
	    .LAMBDA_RUNTIME_AWS_REQUEST_ID, ._X_AMZN_TRACE_ID] | join(" ")' <<<"$output"
	assert_output --regexp '^show-env 2024/01/01/\[\$LATEST\][0-9a-f]{32} [0-9a-f-]{36} Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$'
}

@test "a malformed payload stops with exit 4; --keep-going goes on" {
	run -4 --separate-stderr lambda-invoke -q cat <<-'EOF'
	{"a":1}
	{bad
	{"a":3}
	EOF
	assert_output '{"a":1}'
	assert_equal "$stderr" "lambda-invoke: <stdin>:2: invalid JSON: Invalid numeric literal at EOF at line 1, column 4"
	run -4 --separate-stderr lambda-invoke -q -k cat <<-'EOF'
	{"a":1}
	{bad
	{"a":3}
	EOF
	assert_output $'{"a":1}\n{"a":3}'
}

@test "payload limits: 6 MB sync, 256 KB async, 1 MiB by option" {
	big="$BATS_TEST_TMPDIR/big"
	jq -cn '{s: ("x" * 262200)}' >"$big"
	echo '{"small":1}' >>"$big"
	run -1 --separate-stderr lambda-invoke -q -t Event --on-success - cat <"$big"
	assert_equal "$stderr" "lambda-invoke: <stdin>:1: An error occurred (RequestEntityTooLargeException) when calling the Invoke operation: 262208 byte payload is too large for the Event invocation type (limit 262144 bytes)"
	run -0 jq -r .requestPayload.small <<<"$output"
	assert_output 1
	run -0 --separate-stderr lambda-invoke -q -t Event --payload-limit 1M --on-success - cat <"$big"
	assert_equal "${#lines[@]}" 2
	jq -cn '{s: ("x" * 6291456)}' >"$big"
	run -1 --separate-stderr lambda-invoke -q cat <"$big"
	assert_output ''
	assert_equal "$stderr" "lambda-invoke: <stdin>:1: An error occurred (RequestEntityTooLargeException) when calling the Invoke operation: Request must be smaller than 6291456 bytes for the InvokeFunction operation"
}

@test "Event: the workshop's success path gives E3 on the Inventory bus (golden)" {
	run -0 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-retry-attempts 0 --on-success-bus Inventory \
	    -a 111111111111 -n InventoryFunction "${INV[@]}" <"$F/e2.json"
	assert_output "$(cat "$F/e3.expected")"
}

@test "Event: the workshop's error-handling path gives the failure record (golden)" {
	run -0 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-retry-attempts 0 --on-failure - \
	    -a 111111111111 -n InventoryFunction "${INV[@]}" <"$F/force-error.json"
	assert_output "$(cat "$F/force-error.expected")"
}

@test "Event: two retries, one and two minutes apart, on the virtual clock" {
	run -0 --separate-stderr lambda-invoke -t Event --on-failure - \
	    -n Flaky -e COUNTER="$BATS_TEST_TMPDIR/c" -e FAILS=9 "$F/flaky" <<<'{"n":1}'
	run -0 jq -c '[.timestamp, .requestContext.condition,
	    .requestContext.approximateInvokeCount, .responseContext]' <<<"$output"
	assert_output '["2024-01-01T12:03:00.000Z","RetriesExhausted",3,{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"}]'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/c")" 3
}

@test "Event: a retry that succeeds counts its attempts" {
	run -0 --separate-stderr lambda-invoke -q -t Event --on-success - \
	    -n Flaky -e COUNTER="$BATS_TEST_TMPDIR/c" -e FAILS=1 "$F/flaky" <<<'{"n":1}'
	run -0 jq -c '[.timestamp, .requestContext.condition,
	    .requestContext.approximateInvokeCount, .responsePayload]' <<<"$output"
	assert_output '["2024-01-01T12:01:00.000Z","Success",2,{"n":1}]'
}

@test "Event: --maximum-retry-attempts 0 and 1" {
	for n in 0 1; do
		run -0 --separate-stderr lambda-invoke -q -t Event \
		    --maximum-retry-attempts $n --on-failure - false <<<'{}'
		run -0 jq -c '[.timestamp, .requestContext.approximateInvokeCount]' <<<"$output"
		[ $n = 0 ] && assert_output '["2024-01-01T12:00:00.000Z",1]'
		[ $n = 1 ] && assert_output '["2024-01-01T12:01:00.000Z",2]'
	done
}

@test "Event: an event too old for its next retry is EventAgeExceeded" {
	run -0 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-event-age 60 --on-failure - false <<<'{}'
	run -0 jq -c '[.timestamp, .requestContext.condition, .requestContext.approximateInvokeCount]' <<<"$output"
	assert_output '["2024-01-01T12:00:00.000Z","EventAgeExceeded",1]'
	run -0 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-event-age 150 --on-failure - false <<<'{}'
	run -0 jq -c '[.timestamp, .requestContext.condition, .requestContext.approximateInvokeCount]' <<<"$output"
	assert_output '["2024-01-01T12:01:00.000Z","EventAgeExceeded",2]'
	run -2 lambda-invoke -t Event --maximum-event-age 59 false
	run -2 lambda-invoke -t Event --maximum-retry-attempts 3 false
}

@test "Event: --clock=virtual makes the retry schedule instant without the deterministic switch" {
	run -0 --separate-stderr env -u EDAKIT_DETERMINISTIC lambda-invoke -q \
	    --clock=virtual -t Event --on-failure - false <<<'{}'
	run -0 jq -r '.requestContext.approximateInvokeCount' <<<"$output"
	assert_output 3
}

@test "Event: a failure with no failure destination is reported and exits 1" {
	id=$(first_id '{"a":1}')
	run -1 --separate-stderr lambda-invoke -q -n Probe -t Event \
	    --maximum-retry-attempts 0 --on-success - sh -c 'exit 2' <<<'{"a":1}'
	assert_output ''
	assert_equal "$stderr" "lambda-invoke: <stdin>:1: request $id failed (RetriesExhausted after 1 attempt): {\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: $id Error: Runtime exited with error: exit status 2\"}"
	# Only the first KB of a long error is told.
	run -1 --separate-stderr lambda-invoke -q -t Event --maximum-retry-attempts 0 \
	    jq -c '{errorMessage: ("é" * 2000)}' <<<'{}'
	[[ "$stderr" == *'request '*' failed (RetriesExhausted after 1 attempt): {"errorMessage":"ééé'*'é...' ]]
	[ "${#stderr}" -lt 1200 ]
}

@test "Event: failures as events of a failure bus, successes to a file" {
	ok="$BATS_TEST_TMPDIR/ok"
	run -0 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-retry-attempts 0 --on-success "$ok" \
	    --on-failure-bus Errors -e COUNTER="$BATS_TEST_TMPDIR/c" \
	    "$F/flaky" <<<'{"n":1}'
	run -0 jq -c '[.source, ."detail-type", .resources, .detail.requestContext.condition, .detail.responseContext.functionError]' <<<"$output"
	assert_output '["lambda","Lambda Function Invocation Result - Failure",["arn:aws:events:us-east-1:123456789012:event-bus/Errors","arn:aws:lambda:us-east-1:123456789012:function:flaky:$LATEST"],"RetriesExhausted","Unhandled"]'
	[ ! -s "$ok" ]
	run -0 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-retry-attempts 0 --on-success "$ok" \
	    --on-failure-bus Errors -e COUNTER="$BATS_TEST_TMPDIR/c" \
	    "$F/flaky" <<<'{"n":2}'
	assert_output ''
	run -0 jq -c '[.requestContext.condition, .responsePayload]' "$ok"
	assert_output '["Success",{"n":2}]'
}

@test "destination options belong to Event invocations" {
	run -2 --separate-stderr lambda-invoke --on-success - cat
	assert_equal "$stderr" "lambda-invoke: retries, event age, payload limit and destinations apply to --invocation-type Event only"
	run -2 --separate-stderr lambda-invoke -t DryRun cat
	run -2 --separate-stderr lambda-invoke
	assert_equal "${stderr_lines[0]}" 'lambda-invoke: no handler command'
	run -2 --separate-stderr lambda-invoke -n 'bad name' cat
	assert_equal "$stderr" "lambda-invoke: invalid function name 'bad name'"
}

@test "logs: START, the handler's stderr, END and REPORT" {
	run -0 --separate-stderr lambda-invoke -n Logger \
	    sh -c 'echo "to the log" >&2; cat' <<<'{"a":1}'
	assert_output '{"a":1}'
	id='[0-9a-f-]{36}'
	[[ "${stderr_lines[0]}" =~ ^START\ RequestId:\ $id\ Version:\ \$LATEST$ ]]
	assert_equal "${stderr_lines[1]}" "to the log"
	[[ "${stderr_lines[2]}" =~ ^END\ RequestId:\ $id$ ]]
	# bats trims the REPORT line's final tab: look at it with tabs as '~'.
	run -0 bash -c "lambda-invoke cat <<<'{}' 2>&1 >/dev/null | tr '\t' '~'"
	assert_line --index 2 --regexp "^REPORT RequestId: $id~Duration: [0-9]+\.[0-9]{2} ms~Billed Duration: [0-9]+ ms~Memory Size: 128 MB~Max Memory Used: [0-9]+ MB~\$"
	assert_equal "${#stderr_lines[@]}" 4
}

@test "logs: REPORT gives the status of a timeout and of a crashed runtime" {
	run -0 bash -c "lambda-invoke -T 0.1 sleep 5 <<<'{}' 2>&1 >/dev/null | tr '\t' '~'"
	assert_line --index 2 --regexp '^REPORT .*~Max Memory Used: [0-9]+ MB~Status: timeout~$'
	run -0 bash -c "lambda-invoke false <<<'{}' 2>&1 >/dev/null | tr '\t' '~'"
	assert_line --index 2 --regexp '^REPORT .*~Max Memory Used: [0-9]+ MB~Status: error~Error Type: Runtime.ExitError~$'
}

@test "logs: Max Memory Used is the handler's real peak" {
	run -0 --separate-stderr lambda-invoke -T 20 python3 -c \
	    'import sys; x = bytearray(80 << 20); x[::4096] = b"1" * len(x[::4096]); print("{}")' <<<'{}'
	[[ "${stderr_lines[2]}" =~ Max\ Memory\ Used:\ ([0-9]+)\ MB ]]
	[ "${BASH_REMATCH[1]}" -ge 80 ]
}

@test "logs: --log-store writes the /aws/lambda/NAME group" {
	store="$BATS_TEST_TMPDIR/store"
	run -0 --separate-stderr lambda-invoke -L "$store" -n Stored \
	    sh -c 'echo hello >&2; cat' <<<'{"a":1}'
	assert_output '{"a":1}'
	assert_equal "$stderr" ""
	run -0 bash -c "cat '$store'/*/.group | jq -r .logGroupName"
	assert_output /aws/lambda/Stored
	run -0 bash -c "cat '$store'/*/seg-*.ndjson | jq -r .message"
	[[ "${lines[0]}" == "START RequestId: "* ]]
	assert_equal "${lines[1]}" "hello"
	[[ "${lines[2]}" == "END RequestId: "* ]]
	[[ "${lines[3]}" == "REPORT RequestId: "* ]]
	run -0 bash -c "jq -r .logStreamName '$store'/*/index.ndjson"
	assert_output --regexp '^2024/01/01/\[\$LATEST\][0-9a-f]{32}$'
}

@test "-q writes no log at all" {
	run -0 --separate-stderr lambda-invoke -q sh -c 'echo noise >&2; cat' <<<'{}'
	assert_equal "$stderr" ""
}

@test "--concurrency keeps input order; --unordered gives completion order" {
	cmd='read -r l; sleep "$(echo "$l" | jq .s)"; echo "$l"'
	input=$'{"s":0.6}\n{"s":0}\n{"s":0}'
	run -0 --separate-stderr lambda-invoke -q -c 3 sh -c "$cmd" <<<"$input"
	assert_output $'{"s":0.6}\n{"s":0}\n{"s":0}'
	run -0 --separate-stderr lambda-invoke -q -c 3 --unordered sh -c "$cmd" <<<"$input"
	assert_line --index 2 '{"s":0.6}'
}

@test "InventoryFunction: returns event.detail; a string OrderDetails is a substring test" {
	run -0 --separate-stderr "${INV[@]}" <<<'{"detail":{"OrderDetails":"completed","value":1200}}'
	assert_output '{"OrderDetails": "completed", "value": 1200}'
	run -0 --separate-stderr "${INV[@]}" <<<'{"detail":{"OrderDetails":{"force-error":false}}}'
	assert_output '{"OrderDetails": {"force-error": false}}'
	[[ "$stderr" == $'[INFO]\t'*$'\t\t'"{'detail': {'OrderDetails': {'force-error': False}}}" ]]
}

@test "InventoryFunction: force-error raises the workshop's exception" {
	run -1 --separate-stderr env LAMBDA_RUNTIME_AWS_REQUEST_ID=r-1 "${INV[@]}" <<<'{"detail":{"OrderDetails":{"force-error":true}}}'
	assert_output '{"errorMessage": "FAILED! (force-error == true)", "errorType": "Exception", "requestId": "r-1", "stackTrace": ["  File \"/var/task/index.py\", line 17, in lambda_handler\n    raise Exception(error_message)\n"]}'
	[[ "${stderr_lines[1]}" == $'[ERROR]\t'*$'\tr-1\tFAILED! (force-error == true)' ]]
}

@test "InventoryFunction: a missing OrderDetails is a KeyError" {
	run -1 --separate-stderr lambda-invoke -q "${INV[@]}" <<<'{"detail":{}}'
	run -0 jq -c '[.errorType, .errorMessage, (.stackTrace | length)]' <<<"$output"
	assert_output '["KeyError","'"'OrderDetails'"'",1]'
	run -1 --separate-stderr lambda-invoke -q "${INV[@]}" <<<'{"detail":{"OrderDetails":"force-error"}}'
	run -0 jq -r .errorType <<<"$output"
	assert_output TypeError
}

@test "--runtime-api: one warm runtime serves every invocation (curl bootstrap)" {
	run -0 --separate-stderr lambda-invoke --runtime-api "$F/bootstrap" <<-'EOF2'
	{"a":1}
	{"b": [1, 2.50]}
	{"c":3}
	EOF2
	assert_output $'{"a":1}\n{"b":[1,2.50]}\n{"c":3}'
	run -0 grep -c '^runtime starting$' <<<"$stderr"
	assert_output 1
	run -0 grep -c 'Init Duration: ' <<<"$stderr"
	assert_output 1
	id=$(grep -m1 '^START' <<<"$stderr" | cut -d' ' -f3)
	run -0 grep -c "^handling $id (deadline 1704110403000)\$" <<<"$stderr"
	assert_output 1
}

@test "--runtime-api: a runtime gets the CPUs Lambda gives its memory size" {
	n=$(nproc)
	run -0 lambda-invoke -q --runtime-api "$F/bootstrap" <<<'{"cpus":0}'
	assert_output '{"cpus":1}'
	run -0 lambda-invoke -q -m 3008 --runtime-api "$F/bootstrap" <<<'{"cpus":0}'
	assert_output "{\"cpus\":$((n < 2 ? n : 2))}"
	run -0 lambda-invoke -q -m 10240 --runtime-api "$F/bootstrap" <<<'{"cpus":0}'
	assert_output "{\"cpus\":$((n < 6 ? n : 6))}"
	# A handler started per invocation keeps all of them.
	run -0 lambda-invoke -q sh -c 'cat >/dev/null; echo "{\"cpus\":$(nproc)}"' <<<'{}'
	assert_output "{\"cpus\":$n}"
}

@test "--runtime-api: a runtime waiting on /next gets the next line as soon as it comes" {
	# It stays warm: not timed out and started again while it waits.
	run -0 --separate-stderr bash -c "(echo '{\"a\":1}'; sleep 1.5;
	    echo '{\"b\":2}') | lambda-invoke -T 1 --runtime-api '$F/bootstrap'"
	assert_output $'{"a":1}\n{"b":2}'
	run -0 grep -c '^runtime starting$' <<<"$stderr"
	assert_output 1
}

@test "--runtime-api: a runtime that gives up on its long poll and asks again" {
	# Served while lambda-invoke waits for input; the poll given up is
	# never handed the next invocation.
	run -0 --separate-stderr bash -c "(echo '{\"a\":1}'; sleep 2.5;
	    echo '{\"b\":2}') | lambda-invoke -q --runtime-api '$F/impatient'"
	assert_output $'{"a":1}\n{"b":2}'
}

@test "--runtime-api: /error, a timeout, a runtime that exits, each as Lambda reports it" {
	run -1 --separate-stderr lambda-invoke -T 2 --runtime-api "$F/bootstrap" <<-'EOF2'
	{"error":1}
	{"hang":1}
	{"after":1}
	{"exit":1}
	{"after":2}
	EOF2
	assert_line --index 0 '{"errorMessage":"bad event","errorType":"HandlerError","stackTrace":[]}'
	assert_line --index 1 --regexp '^\{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: [0-9a-f-]{36} Error: Task timed out after 2.00 seconds"\}$'
	assert_line --index 2 '{"after":1}'
	assert_line --index 3 --regexp '^\{"errorType":"Runtime.ExitError","errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3"\}$'
	assert_line --index 4 '{"after":2}'
	run -0 grep -c '^runtime starting$' <<<"$stderr"
	assert_output 3
	no_process 'sleep 30.0271'
}

@test "--runtime-api: init errors, a missing bootstrap, a runtime that quits" {
	run -1 --separate-stderr lambda-invoke -q -e INIT_FAIL=1 --runtime-api "$F/bootstrap" <<<'{}'
	assert_output '{"errorMessage":"no handler","errorType":"Runtime.HandlerNotFound"}'
	run -1 --separate-stderr lambda-invoke -q --runtime-api ./no-bootstrap <<<'{}'
	assert_output --regexp '"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId: [0-9a-f-]{36} Error: fork/exec ./no-bootstrap: no such file or directory"'
	run -1 --separate-stderr lambda-invoke -q --runtime-api true <<<'{}'
	assert_output --regexp 'Error: Runtime exited without providing a reason"\}$'
}

@test "--runtime-api: loopback address, headers, a wrong request id is refused" {
	cat >"$BATS_TEST_TMPDIR/bootstrap" <<-'EOF2'
	#!/bin/sh
	api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
	h=$(mktemp)
	ok=none
	while :; do
		curl -sS -D "$h" -o /dev/null "$api/invocation/next"
		id=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$h" | tr -d '[:space:]' | cut -d: -f2)
		arn=$(grep -Fi Lambda-Runtime-Invoked-Function-Arn "$h" | tr -d '[:space:]' | cut -d: -f2-)
		trace=$(grep -Fi Lambda-Runtime-Trace-Id "$h" | tr -d '[:space:]' | cut -d: -f2)
		bad=$(curl -s -o /dev/null -w '%{http_code}' -d '{}' "$api/invocation/nope/response")
		ok=$(curl -s -w '%{http_code}' -d "{\"api\":\"$AWS_LAMBDA_RUNTIME_API\",\"arn\":\"$arn\",\"trace\":\"$trace\",\"bad\":$bad,\"idlen\":${#id},\"prev\":\"$(echo "$ok" | tr '"' "'")\"}" "$api/invocation/$id/response")
	done
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/bootstrap"
	run -0 --separate-stderr lambda-invoke -n Rt --runtime-api "$BATS_TEST_TMPDIR/bootstrap" <<<$'{}\n{}'
	run -0 jq -c '[(.api | test("^127\\.0\\.0\\.1:[0-9]+/[0-9a-f]{32}$")), .arn, (.trace | test("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$")), .bad, .idlen, .prev]' <<<"$output"
	assert_output - <<-'EOF2'
	[true,"arn:aws:lambda:us-east-1:123456789012:function:Rt",true,400,36,"none"]
	[true,"arn:aws:lambda:us-east-1:123456789012:function:Rt",true,400,36,"{'status':'OK'}202"]
	EOF2
}

@test "--runtime-api: a response that is not one JSON text is Runtime.MarshalError" {
	cat >"$BATS_TEST_TMPDIR/bootstrap" <<-'EOF2'
	#!/bin/sh
	api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
	h=$(mktemp)
	while :; do
		event=$(curl -sS -D "$h" "$api/invocation/next")
		id=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$h" | tr -d '[:space:]' | cut -d: -f2)
		case $event in
		*ctl*) printf '"a\001b"' ;;
		*bad*) printf '{"a":' ;;
		*) printf '%s' "$event" ;;
		esac | curl -sS -o /dev/null --data-binary @- "$api/invocation/$id/response"
	done
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/bootstrap"
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$BATS_TEST_TMPDIR/bootstrap" <<<$'{"ctl":1}\n{"bad":1}\n{"ok":1}'
	assert_output - <<-'EOF2'
	{"errorType":"Runtime.MarshalError","errorMessage":"Unable to marshal response: the response is not one JSON text"}
	{"errorType":"Runtime.MarshalError","errorMessage":"Unable to marshal response: the response is not one JSON text"}
	{"ok":1}
	EOF2
}

@test "--runtime-api: only the runtime started is served (a token in the path)" {
	# Another local process asks for the invocation first: without the
	# token, with a wrong one, with it on a wrong path.  None takes it.
	cat >"$BATS_TEST_TMPDIR/bootstrap" <<-'EOF2'
	#!/bin/sh
	hostport=${AWS_LAMBDA_RUNTIME_API%%/*}
	token=${AWS_LAMBDA_RUNTIME_API#*/}
	steal() {
		curl -s -m 2 -w ' %{http_code}' "http://$1/invocation/next"
		echo
	}
	api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
	h=$(mktemp)
	while :; do
		{
			steal "$hostport/2018-06-01/runtime"
			steal "$hostport/0123456789abcdef0123456789abcdef/2018-06-01/runtime"
			steal "$hostport/$token/2018-06-01/other"
			steal "$hostport/${token}0/2018-06-01/runtime"
			curl -s -m 2 -w ' %{http_code}' -d '{"stolen":1}' \
			    "http://$hostport/2018-06-01/runtime/invocation/x/response"
			echo
			echo "token ${#token}"
		} >&2
		event=$(curl -sS -D "$h" "$api/invocation/next")
		id=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$h" | tr -d '[:space:]' | cut -d: -f2)
		curl -sS -o /dev/null -d "$event" "$api/invocation/$id/response"
	done
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/bootstrap"
	run -0 --separate-stderr lambda-invoke --runtime-api "$BATS_TEST_TMPDIR/bootstrap" <<<'{"mine":1}'
	assert_output '{"mine":1}'
	forbidden='{"errorMessage":"The path does not start with this runtime'"'"'s token (see AWS_LAMBDA_RUNTIME_API)","errorType":"Forbidden"}'
	run -0 grep -v -e '^START' -e '^END' -e '^REPORT' <<<"$stderr"
	assert_output - <<-EOF2
	$forbidden 403
	$forbidden 403
	{"errorMessage":"Not found","errorType":"NotFound"} 404
	$forbidden 403
	$forbidden 403
	token 32
	EOF2
}

@test "--runtime-api with Event invocations and two environments" {
	run -0 --separate-stderr lambda-invoke -q -t Event -c 2 --on-success - \
	    --on-failure - --runtime-api "$F/bootstrap" <<-'EOF2'
	{"n":1}
	{"error":2}
	{"n":3}
	EOF2
	run -0 jq -c '[.requestContext.condition, .requestContext.approximateInvokeCount, .timestamp, .responsePayload]' <<<"$output"
	assert_output - <<-'EOF2'
	["Success",1,"2024-01-01T12:00:00.000Z",{"n":1}]
	["RetriesExhausted",3,"2024-01-01T12:03:00.000Z",{"errorMessage":"bad event","errorType":"HandlerError","stackTrace":[]}]
	["Success",1,"2024-01-01T12:00:00.000Z",{"n":3}]
	EOF2
}

@test "the workshop's pipeline: Orders rules, InventoryFunction, Inventory rules" {
	[ -x "$BIN/ebus-match" ] || skip "ebus-match is not built"
	cd "$ROOT/share/examples/orders"
	run -0 --separate-stderr bash -c "ebus-put --bus Orders events/lambda-destinations.json |
	    ebus-match -R orders-rules.json -t InventoryFunction=- |
	    lambda-invoke -q -t Event --maximum-retry-attempts 0 -n InventoryFunction \
	        --on-success-bus Inventory -- ../../runtimes/python-handler \
	        -d inventory index.lambda_handler |
	    ebus-match -R inventory-rules.json -t InventoryLogs=-"
	run -0 jq -c '[."detail-type", .resources[0], .detail.requestContext.condition,
	    .detail.requestPayload."detail-type", .detail.responsePayload]' <<<"$output"
	assert_output '["Lambda Function Invocation Result - Success","arn:aws:events:us-east-1:123456789012:event-bus/Inventory","Success","Order Processed",{"category":"office-supplies","value":1200,"location":"eu-west","OrderDetails":"completed"}]'
}

@test "a result is written before the next payload arrives (FIFO pipelines)" {
	for mode in "cat" "--runtime-api $F/bootstrap" "-c 2 cat"; do
		run -0 --separate-stderr timeout 60 bash -c "
		    cd '$BATS_TEST_TMPDIR' && rm -f in out && mkfifo in out
		    lambda-invoke -q $mode <in >out 3>&- &
		    exec 4>in 5<out
		    echo '{\"a\":1}' >&4
		    read -r r1 <&5
		    echo '{\"b\":2}' >&4
		    exec 4>&-
		    read -r r2 <&5
		    wait
		    echo \"\$r1 \$r2\""
		assert_output '{"a":1} {"b":2}'
	done
}

@test "a signal to lambda-invoke takes its running handlers with it" {
	# (stderr apart: valgrind reports what a signal death leaves allocated)
	for mode in "sh -c 'sleep 41.4142'" "--runtime-api $F/bootstrap"; do
		run -0 --separate-stderr bash -c "
		    echo '{\"hang\":1}' | lambda-invoke -q -T 60 $mode 3>&- &
		    for i in \$(seq 100); do
			pgrep -f '^sleep (41.4142|30.0271)' >/dev/null && break
			sleep 0.1
		    done
		    kill -TERM \$!
		    wait \$!
		    echo status \$?"
		assert_output 'status 143'
		no_process '^sleep (41.4142|30.0271)'
	done
}

@test "Event: golden records of retries on two buses, and of an event too old" {
	run -0 --separate-stderr lambda-invoke -q -t Event -a 111111111111 \
	    -r eu-west-1 -n Flaky -e COUNTER="$BATS_TEST_TMPDIR/c" -e FAILS=5 \
	    --on-success-bus Inventory --on-failure-bus Errors \
	    --maximum-event-age 3600 "$F/flaky" <<-'EOF2'
	{"order":1,"big":9007199254740993}
	{"order":2}
	EOF2
	assert_output "$(cat "$F/retries.expected")"
	run -0 --separate-stderr lambda-invoke -q -t Event -a 111111111111 \
	    -n Slow -T 0.2 --maximum-event-age 100 --on-failure - sleep 5 <<<'{"order":3}'
	assert_output "$(cat "$F/age-exceeded.expected")"
}

@test "man: --on-failure says what '-' and a missing failure destination do" {
	run -0 bash -c "mandoc -Tascii '$ROOT/man/lambda-invoke.1' |
	    sed 's/.\x08//g' | tr -s ' \t\n' ' '"
	assert_output --partial "--on-failure path Event invocations: write failure records to path (\`-' is the standard output). Without a failure destination each failure is reported on the standard error and the exit status is 1. --on-failure-bus"
	# what it says is what happens
	run -1 --separate-stderr lambda-invoke -q -t Event \
	    --maximum-retry-attempts 0 sh -c 'exit 3' <<<'{}'
	assert_output ''
	re='^lambda-invoke: <stdin>:1: request [0-9a-f-]{36} failed \(RetriesExhausted after 1 attempt\): '
	[[ "$stderr" =~ $re ]]
}
