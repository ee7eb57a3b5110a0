#!/usr/bin/env bats
# share/runtimes: python-handler and node-handler run unmodified Lambda
# handlers (module.function) under lambda-invoke, through the Runtime API
# and one process per invocation, and under sfn-run.

load test_helper/common

PY="$ROOT/share/runtimes/python-handler"
NODE="$ROOT/share/runtimes/node-handler"
PD="$FIXTURES/runtimes/python"
ND="$FIXTURES/runtimes/node"
UUID='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

# The log lines of stderr that are not lambda-invoke's own.
function_log() {
	grep -v -e '^START ' -e '^END ' -e '^REPORT ' <<<"$stderr"
}

# context_is ADAPTER DIR SPEC FILTER EXPECTED: the context a handler
# returns, warm and per process, on the real clock (-T 7), as FILTER shows
# it ($id: the request id of the log's START line; $stream: the log
# stream name's pattern).
context_is() {
	local mode
	for mode in --runtime-api ""; do
		run -0 --separate-stderr env EDAKIT_DETERMINISTIC= lambda-invoke \
		    -n Ctx -m 256 -T 7 $mode "$1" -d "$2" "$3" <<<'{}'
		id=$(grep -m1 '^START' <<<"$stderr" | cut -d' ' -f3)
		run -0 jq -c --arg id "$id" \
		    --arg stream '^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$' \
		    "$4" <<<"$output"
		assert_output "$5"
	done
}

@test "python-handler: event in, result out, alone, per process and warm" {
	run -0 --separate-stderr "$PY" -d "$PD" app.echo <<<'{"a":[1,2.5]}'
	assert_output '{"event": {"a": [1, 2.5]}}'
	assert_equal "${stderr_lines[0]}" 'print goes to the log'
	[[ "${stderr_lines[1]}" =~ ^\[INFO\]$'\t'[0-9T:.-]{23}Z$'\t\tevent {"a": [1, 2.5]}'$ ]]
	run -0 --separate-stderr lambda-invoke -q "$PY" -d "$PD" app.echo <<<'{"a":[1,2.5]}'
	assert_output '{"event":{"a":[1,2.5]}}'
	run -0 --separate-stderr lambda-invoke --runtime-api "$PY" -d "$PD" app.echo <<<$'{"n":1}\n{"n":2}'
	assert_output $'{"event":{"n":1}}\n{"event":{"n":2}}'
	id=$(grep -m1 '^START' <<<"$stderr" | cut -d' ' -f3)
	run -0 function_log
	assert_line --index 0 'print goes to the log'
	assert_line --index 1 --regexp "^\[INFO\]"$'\t'"[0-9T:.-]{23}Z"$'\t'"$id"$'\t''event \{"n": 1\}$'
	# the handler spec may come from _HANDLER, the directory from
	# LAMBDA_TASK_ROOT, as on Lambda
	run -0 --separate-stderr env _HANDLER=app.echo LAMBDA_TASK_ROOT="$PD" "$PY" <<<'{}'
	assert_output '{"event": {}}'
}

@test "python-handler: the context object, warm and per process" {
	context_is "$PY" "$PD" app.ctx '[.function_name, .function_version,
	    .memory_limit_in_mb, .invoked_function_arn,
	    (.aws_request_id == $id), .log_group_name,
	    (.log_stream_name | test($stream)),
	    (.remaining > 1000 and .remaining <= 7000),
	    (.trace | test("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$"))]' \
	    '["Ctx","$LATEST","256","arn:aws:lambda:us-east-1:123456789012:function:Ctx",true,"/aws/lambda/Ctx",true,true,true]'
}

@test "python-handler: a handler that raises gives AWS's error object and log" {
	err='{"errorMessage":"qty must be positive","errorType":"ValueError","requestId":"ID","stackTrace":["  File \"/var/task/app.py\", line 35, in fail\n    check(event)\n","  File \"/var/task/app.py\", line 31, in check\n    raise ValueError(\"qty must be positive\")\n"]}'
	for mode in --runtime-api ""; do
		run -1 --separate-stderr lambda-invoke $mode "$PY" -d "$PD" app.fail <<<'{"qty":0}'
		id=$(grep -m1 '^START' <<<"$stderr" | cut -d' ' -f3)
		assert_output "${err/ID/$id}"
		run -0 function_log
		assert_output - <<-'EOF2'
		[ERROR] ValueError: qty must be positive
		Traceback (most recent call last):
		  File "/var/task/app.py", line 35, in fail
		    check(event)
		  File "/var/task/app.py", line 31, in check
		    raise ValueError("qty must be positive")
		EOF2
	done
	# alone: the error object on stdout, exit 1
	run -1 --separate-stderr env LAMBDA_RUNTIME_AWS_REQUEST_ID=r-1 "$PY" -d "$PD" app.fail <<<'{}'
	run -0 jq -c '[.errorType, .requestId, (.stackTrace | length)]' <<<"$output"
	assert_output '["ValueError","r-1",2]'
}

@test "python-handler: load errors go to /init/error; a result JSON cannot take" {
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$PY" -d "$PD" nope.handler <<<'{}'
	assert_output '{"errorMessage":"Unable to import module '"'nope'"': No module named '"'nope'"'","errorType":"Runtime.ImportModuleError","requestId":"","stackTrace":[]}'
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$PY" -d "$PD" app.nothere <<<'{}'
	assert_output '{"errorMessage":"Handler '"'nothere'"' missing on module '"'app'"'","errorType":"Runtime.HandlerNotFound","requestId":"","stackTrace":[]}'
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$PY" -d "$PD" handler <<<'{}'
	assert_output '{"errorMessage":"Bad handler '"'handler'"': not enough values to unpack (expected 2, got 1)","errorType":"Runtime.MalformedHandlerName","requestId":"","stackTrace":[]}'
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$PY" -d "$PD" app.unserialisable <<<'{}'
	assert_output --regexp '^\{"errorMessage":"Unable to marshal response: \{1, 2\} is not JSON serializable","errorType":"Runtime.MarshalError","requestId":"'"$UUID"'","stackTrace":\[\]\}$'
	run -2 --separate-stderr "$PY" -x
	assert_equal "$stderr" 'usage: python-handler [-d dir] [handler]'
}

@test "node-handler: event in, result out, alone, per process and warm" {
	run -0 --separate-stderr "$NODE" -d "$ND" index.echo <<<'{"a":[1,2.5]}'
	assert_output '{"event":{"a":[1,2.5]}}'
	[[ "${stderr_lines[0]}" =~ ^[0-9T:.-]{23}Z$'\t'undefined$'\t'INFO$'\t''event {"a":[1,2.5]}'$ ]]
	assert_equal "${stderr_lines[1]}" 'raw write goes to the log'
	run -0 --separate-stderr lambda-invoke -q "$NODE" -d "$ND" index.echo <<<'{"a":1}'
	assert_output '{"event":{"a":1}}'
	run -0 --separate-stderr lambda-invoke --runtime-api "$NODE" -d "$ND" index.echo <<<$'{"n":1}\n{"n":2}'
	assert_output $'{"event":{"n":1}}\n{"event":{"n":2}}'
	id=$(grep -m1 '^START' <<<"$stderr" | cut -d' ' -f3)
	run -0 function_log
	assert_line --index 0 --regexp "^[0-9T:.-]{23}Z"$'\t'"$id"$'\t'"INFO"$'\t''event \{"n":1\}$'
	assert_line --index 1 'raw write goes to the log'
	# an ES module, and the spec from _HANDLER
	run -0 --separate-stderr lambda-invoke -q --runtime-api "$NODE" -d "$ND" esm.handler <<<'{"x":1}'
	assert_output '{"esm":{"x":1}}'
	run -0 --separate-stderr env _HANDLER=esm.handler LAMBDA_TASK_ROOT="$ND" "$NODE" <<<'{}'
	assert_output '{"esm":{}}'
}

@test "node-handler: the context object, warm and per process" {
	context_is "$NODE" "$ND" index.ctx '[.functionName, .functionVersion,
	    .memoryLimitInMB, .invokedFunctionArn,
	    (.awsRequestId == $id), .logGroupName,
	    (.logStreamName | test($stream)),
	    (.remaining > 1000 and .remaining <= 7000), .waits]' \
	    '["Ctx","$LATEST","256","arn:aws:lambda:us-east-1:123456789012:function:Ctx",true,"/aws/lambda/Ctx",true,true,true]'
}

@test "node-handler: a callback waits for the event loop unless told not to" {
	run -0 --separate-stderr lambda-invoke --runtime-api "$NODE" -d "$ND" index.cb <<<$'{"n":1}\n{"nowait":1}'
	assert_output $'{"cb":{"n":1}}\n{"cb":{"nowait":1}}'
	# the first invocation's timer fired before its END; the second's
	# did not hold its result back
	run -0 bash -c "awk '/^START/ { n++ } /timer fired/ { print n }' <<<\"\$1\"" _ "$stderr"
	assert_output 1
	run -0 --separate-stderr "$NODE" -d "$ND" index.cb <<<'{"n":1}'
	assert_output '{"cb":{"n":1}}'
	[[ "$stderr" == *$'\tINFO\ttimer fired' ]]
}

@test "node-handler: thrown errors and callback errors as AWS's client reports them" {
	for mode in --runtime-api ""; do
		run -1 --separate-stderr lambda-invoke -q $mode "$NODE" -d "$ND" index.fail <<<'{"qty":0}'
		run -0 jq -c '[.errorType, .errorMessage, .trace[0:3]]' <<<"$output"
		assert_output '["RangeError","qty must be positive",["RangeError: qty must be positive","    at check (/var/task/index.js:32:9)","    at exports.fail [as handler] (/var/task/index.js:36:2)"]]'
		run -1 --separate-stderr lambda-invoke $mode "$NODE" -d "$ND" index.cbfail <<<'{}'
		assert_output '{"errorType":"string","errorMessage":"not an Error","trace":[]}'
		id=$(grep -m1 '^START' <<<"$stderr" | cut -d' ' -f3)
		run -0 function_log
		assert_output --regexp "^[0-9T:.-]{23}Z"$'\t'"$id"$'\t'"ERROR"$'\t''Invoke Error '$'\t''\{"errorType":"string","errorMessage":"not an Error","stack":\[\]\}$'
	done
}

@test "node-handler: an uncaught exception or rejection fails the invocation and the runtime" {
	run -1 --separate-stderr lambda-invoke --runtime-api "$NODE" -d "$ND" index.escape <<-'EOF2'
	{"throw":1}
	{"n":1}
	{"reject":1}
	{"n":2}
	EOF2
	run -0 jq -c '[.errorType, .errorMessage, .trace[0:2]]' <<<"$output"
	assert_output - <<-'EOF2'
	["TypeError","thrown from a timer",["TypeError: thrown from a timer","    at Timeout._onTimeout (/var/task/index.js:43:10)"]]
	[null,null,null]
	["Runtime.UnhandledPromiseRejection","Error: nobody caught me",["Error: nobody caught me","    at exports.escape [as handler] (/var/task/index.js:46:18)"]]
	[null,null,null]
	EOF2
	# each ended its runtime: three cold starts
	run -0 grep -c 'Init Duration' <<<"$stderr"
	assert_output 3
}

@test "node-handler: load errors go to /init/error" {
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$NODE" -d "$ND" nope.handler <<<'{}'
	assert_output '{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module '"'nope'"'","trace":["Runtime.ImportModuleError: Error: Cannot find module '"'nope'"'"]}'
	run -1 --separate-stderr lambda-invoke -q "$NODE" -d "$ND" index.nothere <<<'{}'
	assert_output '{"errorType":"Runtime.HandlerNotFound","errorMessage":"index.nothere is undefined or not exported","trace":["Runtime.HandlerNotFound: index.nothere is undefined or not exported"]}'
	run -1 --separate-stderr lambda-invoke -q --runtime-api "$NODE" -d "$ND" handler <<<'{}'
	assert_output '{"errorType":"Runtime.MalformedHandlerName","errorMessage":"Bad handler","trace":["Runtime.MalformedHandlerName: Bad handler"]}'
	run -2 --separate-stderr "$NODE" -x
	assert_equal "$stderr" 'usage: node-handler [-d dir] [handler]'
}

@test "sfn-run: lambda:invoke tasks run both adapters" {
	def="$BATS_TEST_TMPDIR/def.json"
	echo '{"StartAt":"Py","States":{"Py":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"PyFn","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload"},"Next":"Js"},"Js":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"JsFn","Payload.$":"$.p"},"ResultSelector":{"p.$":"$.Payload"},"End":true}}}' >"$def"
	run -0 --separate-stderr sfn-run -t "PyFn=$PY -d $PD app.echo" \
	    -t "JsFn=$NODE -d $ND index.echo" "$def" <<<'{"order":1}'
	run -0 jq -c '[.status, (.output | fromjson)]' <<<"$output"
	assert_output '["SUCCEEDED",{"p":{"event":{"event":{"order":1}}}}]'
	run -1 --separate-stderr sfn-run -t "PyFn=$PY -d $PD app.fail" \
	    -t "JsFn=$NODE -d $ND index.echo" "$def" <<<'{}'
	run -0 jq -c '[.status, .error, (.cause | fromjson | .errorMessage)]' <<<"$output"
	assert_output '["FAILED","ValueError","qty must be positive"]'
}
