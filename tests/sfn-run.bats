#!/usr/bin/env bats
# sfn-run: definitions, data flow, every state type, Retry/Catch,
# timeouts, tasks bound to commands, events:putEvents, lambda:invoke,
# history, mock configurations, Graphviz output.

load test_helper/common

F="$FIXTURES/sfn-run"

BRIEF='[.status, (.output // null), (.error // null), (.cause // null)]'

# Run sfn-run with the remaining arguments and print FILTER (jq) of each
# result; the status is sfn-run's.
sfnj() {
	local filter="$1" rc=0
	shift
	sfn-run "$@" > "$BATS_TEST_TMPDIR/results" || rc=$?
	jq -c "$filter" "$BATS_TEST_TMPDIR/results"
	return $rc
}

def() {
	printf '%s\n' "$1" > "$BATS_TEST_TMPDIR/def.json"
}

# Definition $1 is refused at load (exit 3) with the message $2.
bad() {
	def "$1"
	run -3 --separate-stderr sfn-run "$BATS_TEST_TMPDIR/def.json"
	assert_equal "$output" ""
	assert_equal "$stderr" "sfn-run: $BATS_TEST_TMPDIR/def.json: $2"
}

@test "a Pass machine: one DescribeExecution result per input, in order" {
	run -0 --separate-stderr sfn-run "$FIXTURES/cli/pass.asl.json" <<'EOF'
{"a":1}
[1,2]
"s"
EOF
	assert_equal "${lines[0]}" '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:pass:e655a60e-c808-4ec1-8659-eb3cc422a44e","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:pass","name":"e655a60e-c808-4ec1-8659-eb3cc422a44e","status":"SUCCEEDED","startDate":"2024-01-01T12:00:00.000Z","stopDate":"2024-01-01T12:00:00.000Z","input":"{\"a\":1}","inputDetails":{"included":true},"output":"{\"a\":1}","outputDetails":{"included":true}}'
	run -0 bash -c "sfn-run -n Orders -a 111111111111 -r eu-west-1 '$FIXTURES/cli/pass.asl.json' <<<'[1,2]' | jq -c '[.stateMachineArn, .output]'"
	assert_output '["arn:aws:states:eu-west-1:111111111111:stateMachine:Orders","[1,2]"]'
}

@test "a broken definition is exit 3 with the state and the reason" {
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}' \
	    "state 'A': Next 'B' is not a state of this state machine or branch"
	bad '{"StartAt":"X","States":{"A":{"Type":"Pass","End":true}}}' \
	    "StartAt 'X' is not a state"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}' \
	    "state 'B': the state is unreachable from StartAt 'A'"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Resource":"x"}}}' \
	    "state 'A': field 'Resource' is not valid in a Pass state"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass"}}}' \
	    "state 'A': a Pass state needs Next or \"End\": true"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pause","End":true}}}' \
	    "state 'A': unknown Type 'Pause'"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"InputPath":"$.a["}}}' \
	    "state 'A': InputPath: invalid path '\$.a[': unexpected character in brackets at end of path"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"ResultPath":"$.a[*]"}}}' \
	    "state 'A': ResultPath: '\$.a[*]' is not a reference path (it may name several values)"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Parameters":{"a.$":"States.Nope(1)"}}}}' \
	    "state 'A': Parameters: 'a.\$': invalid intrinsic function 'States.Nope(1)': unknown intrinsic function 'States.Nope'"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Parameters":{"a.$":"States.MathAdd(1)"}}}}' \
	    "state 'A': Parameters: 'a.\$': invalid intrinsic function 'States.MathAdd(1)': States.MathAdd takes 2 arguments, not 1"
	bad '{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","Nope":1,"Next":"A"}]}}}' \
	    "state 'A': Choices[0]: unknown choice rule field 'Nope'"
	bad '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["States.ALL","X"]}]}}}' \
	    "state 'A': States.ALL must appear alone in ErrorEquals"
	bad '{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"Timestamp":"2024-01-01T00:00:00Z","End":true}}}' \
	    "state 'A': a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"
	bad '[1' "the definition is not valid JSON: Unfinished JSON term at EOF at line 2, column 0"
}

@test "JSONata states refuse JSONPath fields at load, and the reverse" {
	bad '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a","End":true}}}' \
	    "state 'A': the field 'InputPath' is not supported when the QueryLanguage is JSONata"
	bad '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","QueryLanguage":"JSONata","Parameters":{},"End":true}}}' \
	    "state 'A': the field 'Parameters' is not supported when the QueryLanguage is JSONata"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","Output":{"a":1},"End":true}}}' \
	    "state 'A': the field 'Output' is not supported when the QueryLanguage is JSONPath"
	bad '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}' \
	    "state 'A': QueryLanguage JSONPath is not allowed in a state machine whose QueryLanguage is JSONata"
	bad '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"v":["{% $states.input.a + %}"]},"End":true}}}' \
	    "state 'A': Output/v[0]: invalid JSONata expression '\$states.input.a +': S0207: Unexpected end of expression"
	bad '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"A"}]}}}' \
	    "state 'A': Choices: unknown field 'Variable'"
	bad '{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"QueryLanguage":"JSONata","StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}}' \
	    "state 'P': QueryLanguage belongs on the definition or on a state, not on a branch or item processor"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$x","End":true}}}' \
	    "state 'A': ResultPath cannot write into a variable (use Assign)"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":[1],"End":true}}}' \
	    "state 'A': Assign must be an object"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"a-b":1},"End":true}}}' \
	    "state 'A': Assign: 'a-b' is not a variable name (a letter or '_', then letters, digits or '_'; not 'states')"
	bad '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"states":1},"End":true}}}' \
	    "state 'A': Assign: 'states' is not a variable name (a letter or '_', then letters, digits or '_'; not 'states')"
	bad '{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Next":"M"},"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"x.$":"$"},"End":true}}},"End":true}}}' \
	    "state 'I': Assign: 'x' is a variable of an outer scope: a state in a Parallel branch or a Map iteration may read it, not assign it"
}

@test "workflow variables: Assign, \$name paths, values from before the state, scopes" {
	run -0 sfnj "$BRIEF" "$F/variables.asl.json" <<<'{"name":"x","items":[1,2]}'
	assert_output '["SUCCEEDED","{\"r\":[{\"item\":1,\"a\":2},{\"item\":2,\"a\":2}],\"hi\":\"hi x\",\"seen\":\"rule\"}",null,null]'
	def '{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$nope.x"},"End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["FAILED",null,"States.Runtime","An error occurred while executing the state '"'A'"' (entered at the event id #2). The JSONPath '"'\$nope.x'"' specified for the field '"'v.\$'"' could not be found: The variable '"'\$nope'"' is not defined"]'
	def '{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"m":"1"},"Result":[1,2],"Next":"M"},"M":{"Type":"Map","MaxConcurrencyPath":"$m","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '"[1,2]"'
	# A Wait's Assign reads its effective input (after InputPath) as \$.
	def '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"InputPath":"$.a","Assign":{"w.$":"$"},"Next":"P"},"P":{"Type":"Pass","Parameters":{"w.$":"$w"},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{"a":1}'
	assert_output '"{\"w\":1}"'
	# A catcher's Assign reads the error output as \$; the state's is not run.
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"x","Assign":{"never":1},"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error","was.$":"$$.State.Name"},"ResultPath":null,"Next":"S"}],"End":true},"S":{"Type":"Choice","Choices":[{"Variable":"$never","IsPresent":true,"Next":"S"}],"Default":"E"},"E":{"Type":"Pass","Parameters":{"err.$":"$err","was.$":"$was","in.$":"$"},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{"a":1}'
	assert_output '"{\"err\":\"States.TaskFailed\",\"was\":\"T\",\"in\":{\"a\":1}}"'
}

@test "JSONata mode: Arguments, Output, Assign, Condition, Items, ItemSelector, Fail" {
	run -1 --separate-stderr sfnj "$BRIEF" -t arn:aws:lambda:us-east-1:123456789012:function:echo=cat \
	    "$F/jsonata.asl.json" <<'EOF2'
{"n":3}
{"n":2}
EOF2
	assert_output - <<'EOF2'
["SUCCEEDED","{\"squares\":[4,7,12],\"size\":\"big\"}",null,null]
["FAILED",null,"TooSmall","double is 4"]
EOF2
}

@test "JSONata: States.QueryEvaluationError names the expression and the field" {
	jfail() {
		def "{\"QueryLanguage\":\"JSONata\",\"StartAt\":\"A\",\"States\":{\"A\":$1}}"
		run -1 --separate-stderr sfnj '.cause' "$BATS_TEST_TMPDIR/def.json" <<<"$2"
		assert_output "\"An error occurred while executing the state 'A' (entered at the event id #2). $3\""
	}
	jfail '{"Type":"Pass","Output":{"a":"{% $states.input.x.y %}"},"End":true}' '{}' \
	    "The JSONata expression '\$states.input.x.y' specified for the field 'Output/a' returned nothing (undefined)."
	jfail '{"Type":"Map","Items":"{% $states.input.s %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}' '{"s":"abc"}' \
	    "The JSONata expression '\$states.input.s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: \\\"abc\\\""
	jfail '{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}' '{"s":1}' \
	    "Map state input must be an array but was: {\\\"s\\\":1}"
	jfail '{"Type":"Pass","Output":["{% function($x){$x} %}"],"End":true}' '{}' \
	    "The JSONata expression 'function(\$x){\$x}' specified for the field 'Output[0]' returned an unsupported result type."
	jfail '{"Type":"Pass","Output":"{% $number(\"x\") %}","End":true}' '{}' \
	    "The JSONata expression '\$number(\\\"x\\\")' specified for the field 'Output' threw an error during evaluation. D3030: Unable to cast value to a number"
	jfail '{"Type":"Wait","Timestamp":"{% $states.input.t %}","End":true}' '{"t":"2016-12-05T21:29:29"}' \
	    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05T21:29:29"
	jfail '{"Type":"Wait","Seconds":"{% $states.input.t %}","End":true}' '{"t":"5"}' \
	    "The JSONata expression '\$states.input.t' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was 'string' for value: \\\"5\\\""
	jfail '{"Type":"Choice","Choices":[{"Condition":"{% $states.input.x %}","Next":"A"}]}' '{"x":1}' \
	    "The JSONata expression '\$states.input.x' specified for the field 'Choices[0]/Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 1"
}

@test "an Assign over 256 KiB is States.DataLimitExceeded" {
	def '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"big":"{% $pad(\"\", $states.input.n, \"x\") %}"},"End":true}}}'
	run -1 --separate-stderr sfnj "[.status, .error, .cause]" "$BATS_TEST_TMPDIR/def.json" <<<'{"n":262145}'
	assert_output '["FAILED","States.DataLimitExceeded","The state/task '"'A'"' assigned variables with a combined size exceeding the maximum number of bytes service limit."]'
	run -0 sfnj '.status' "$BATS_TEST_TMPDIR/def.json" <<<'{"n":262130}'
	assert_output '"SUCCEEDED"'
}

@test "JSONata: a Catch's Output and Assign read \$states.errorOutput" {
	def '{"QueryLanguage":"JSONata","StartAt":"P","States":{
	 "P":{"Type":"Parallel","Arguments":"{% $states.input.absent %}","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],
	  "Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Output":{"caught":"{% $states.errorOutput.Error %}"},"Assign":{"why":"{% $states.errorOutput.Cause %}"},"Next":"Show"}],"Next":"Show"},
	 "Show":{"Type":"Pass","Output":{"o":"{% $states.input %}","why":"{% $why %}"},"End":true}}}'
	run -0 sfnj '.output | fromjson' "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '{"o":{"caught":"States.QueryEvaluationError"},"why":"An error occurred while executing the state '"'P'"' (entered at the event id #2). The JSONata expression '"'\$states.input.absent'"' specified for the field '"'Arguments'"' returned nothing (undefined)."}'
}

@test "JSONata: Step Functions' functions, and no \$eval" {
	def '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"hash":"{% $hash(\"abc\", \"SHA-256\") %}","partition":"{% $partition([1,2,3], 2) %}","range":"{% $range(0, 10, 3) %}","one":"{% $range(1, 9, 9) %}","parse":"{% $parse(\"{\\\"a\\\":[1]}\") %}","seeded":"{% $random(7) = $random(7) %}","random":"{% $random() >= 0 and $random() < 1 %}","uuid":"{% $length($uuid()) %}"},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '"{\"hash\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\",\"partition\":[[1,2],[3]],\"range\":[0,3,6,9],\"one\":1,\"parse\":{\"a\":[1]},\"seeded\":true,\"random\":true,\"uuid\":36}"'
	def '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $eval(\"1\") %}","End":true}}}'
	run -1 --separate-stderr sfnj '.cause' "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output "\"An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '\$eval(\\\"1\\\")' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function\""
}

@test "--history: assignedVariables on state exits, EvaluationFailed before the failure" {
	sfn-run -H "$BATS_TEST_TMPDIR/h" \
	    -t arn:aws:lambda:us-east-1:123456789012:function:echo=cat \
	    "$F/jsonata.asl.json" <<<'{"n":2}' > /dev/null 2>&1 || :
	run -0 jq -c 'select(.stateExitedEventDetails.assignedVariables) |
	    [.type, .stateExitedEventDetails.assignedVariables,
	    .stateExitedEventDetails.assignedVariablesDetails]' "$BATS_TEST_TMPDIR/h"
	assert_output - <<'EOF2'
["PassStateExited",{"n":"2"},{"truncated":false}]
["TaskStateExited",{"last":"4"},{"truncated":false}]
EOF2
	def '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"a":"{% $states.input.x %}"},"End":true}}}'
	run -1 sfn-run -H "$BATS_TEST_TMPDIR/h2" -o /dev/null "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	run -0 jq -c '[.id, .previousEventId, .type, .evaluationFailedEventDetails.location]' "$BATS_TEST_TMPDIR/h2"
	assert_output - <<'EOF2'
[1,0,"ExecutionStarted",null]
[2,1,"PassStateEntered",null]
[3,2,"EvaluationFailed","Output/a"]
[4,3,"ExecutionFailed",null]
EOF2
}

@test "JSONata machines: --dot, a mock configuration, Wait on the virtual clock" {
	run -0 bash -c "sfn-run --dot '$F/jsonata.asl.json' | grep -e '-> \"Big\"' -e '-> \"Small\"'"
	assert_output - <<'EOF2'
  "Pick" -> "Big" [label="rule 1",style=solid];
  "Pick" -> "Small" [label="Default",style=dashed];
EOF2
	cat > "$BATS_TEST_TMPDIR/mock.json" <<'EOF2'
{"StateMachines":{"jsonata":{"TestCases":{"Ten":{"Work":"Ten"}}}},
 "MockedResponses":{"Ten":{"0":{"Return":{"double":10}}}}}
EOF2
	run -0 sfnj '.output' -m "$BATS_TEST_TMPDIR/mock.json" --test-case Ten \
	    "$F/jsonata.asl.json" <<<'{"n":2}'
	assert_output '"{\"squares\":[3,6],\"size\":\"big\"}"'
	def '{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s * 60 %}","Output":"{% $states.input.s %}","End":true}}}'
	run -0 sfnj '[.startDate, .stopDate, .output]' --clock=virtual "$BATS_TEST_TMPDIR/def.json" <<<'{"s":90}'
	assert_output '["2024-01-01T12:00:00.000Z","2024-01-01T13:30:00.000Z","90"]'
}

@test "--check validates only; usage errors are exit 2" {
	run -0 sfn-run --check "$F/map.asl.json"
	assert_output ""
	run -2 sfn-run
	assert_line --index 0 "sfn-run: a definition file is required"
	run -2 sfn-run "$BATS_TEST_TMPDIR/missing.json"
	assert_output "sfn-run: $BATS_TEST_TMPDIR/missing.json: No such file or directory"
	run -2 sfn-run --clock=fast "$F/map.asl.json"
	assert_output "sfn-run: invalid clock 'fast' (real or virtual)"
	run -2 sfn-run -t nocommand "$F/map.asl.json"
	assert_output "sfn-run: invalid --task 'nocommand': expected RESOURCE=COMMAND"
	run -2 sfn-run "$F/workshop.asl.json" < /dev/null
	assert_output "sfn-run: $F/workshop.asl.json: events:putEvents tasks need --events FILE (- for stdout, with --output for the results)"
}

@test "a malformed input line is exit 4, located, and spares its neighbours" {
	run -4 --separate-stderr sfn-run "$FIXTURES/cli/pass.asl.json" <<'EOF'
{"a":1}
{"a":
{"a":3}
EOF
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" "sfn-run: <stdin>:2: invalid JSON: Unfinished JSON term at EOF at line 1, column 5"
	run -4 --separate-stderr sfn-run -k "$FIXTURES/cli/pass.asl.json" <<'EOF'
{"a":1}
{"a":
{"a":3}
EOF
	assert_equal "${#lines[@]}" 2
	run -0 jq -r .output <<<"${lines[1]}"
	assert_output '{"a":3}'
}

@test "InputPath, Parameters, ResultPath, OutputPath and the context object" {
	run -1 --separate-stderr sfnj "$BRIEF" "$F/flow.asl.json" <<'EOF'
{"order":{"id":7,"lines":[{"sku":"a"},{"sku":"b"}]}}
{"order":{"id":7}}
{"x":1}
EOF
	assert_line --index 0 '["SUCCEEDED","{\"id\":7,\"lines\":[\"a\",\"b\"],\"first\":{\"sku\":\"a\"},\"static\":{\"nested\":7},\"ctx\":\"Shape\",\"n\":2,\"result\":{\"a\":1,\"b\":[1,2]}}",null,null]'
	assert_line --index 1 '["FAILED",null,"States.Runtime","An error occurred while executing the state '"'Shape'"' (entered at the event id #2). The JSONPath '"'\$.lines[0]'"' specified for the field '"'first.\$'"' could not be found in the input '"'"'{\"id\":7}'"'"'"]'
	assert_line --index 2 '["FAILED",null,"States.Runtime","An error occurred while executing the state '"'Shape'"' (entered at the event id #2). Invalid path '"'\$.order'"' : No results for path: $['"'order'"']"]'
}

@test "ResultPath into a non-object is States.ResultPathMatchFailure; Catch takes it" {
	def '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" <<<'{"a":"text"}'
	assert_output '["FAILED",null,"States.ResultPathMatchFailure","An error occurred while executing the state '"'P'"' (entered at the event id #2). Unable to apply ResultPath \"$.a.b\" to input \"{\"a\":\"text\"}\"."]'
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"echo","ResultPath":"$.a.b","Catch":[{"ErrorEquals":["States.ResultPathMatchFailure"],"ResultPath":"$.caught","Next":"C"}],"End":true},"C":{"Type":"Pass","OutputPath":"$.caught.Error","End":true}}}'
	run -0 sfnj '.output | fromjson' -t echo=cat "$BATS_TEST_TMPDIR/def.json" <<<'{"a":[1]}'
	assert_output '"States.ResultPathMatchFailure"'
}

@test "Choice: IsTimestamp, StringMatches, And, Or, Not, a Path operand, Default" {
	run -1 --separate-stderr sfnj "$BRIEF" "$F/choice.asl.json" < "$F/choice.in"
	assert_output - <<'EOF'
["SUCCEEDED","\"no flag\"",null,null]
["SUCCEEDED","\"timestamp\"",null,null]
["SUCCEEDED","\"matches\"",null,null]
["SUCCEEDED","\"out of range\"",null,null]
["SUCCEEDED","\"matches\"",null,null]
["SUCCEEDED","\"default\"",null,null]
["FAILED",null,"States.Runtime","An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.max': The choice state's condition path references an invalid value."]
EOF
}

@test "Choice without a match and without Default is States.NoChoiceMatched" {
	run -1 --separate-stderr sfnj "$BRIEF" "$F/nomatch.asl.json" <<<'{"x":2}'
	assert_output '["FAILED",null,"States.NoChoiceMatched","An error occurred while executing the state '"'C'"' (entered at the event id #2). No Choice Rule matched and no Default state was specified."]'
}

@test "Wait on the virtual clock: the hours pass in the dates, not in real time" {
	run -1 --separate-stderr sfnj '[.status, .startDate, .stopDate, .error, .cause]' \
	    --clock=virtual "$F/wait.asl.json" < "$F/wait.in"
	assert_output - <<'EOF'
["SUCCEEDED","2024-01-01T12:00:00.000Z","2024-01-01T13:30:00.000Z",null,null]
["FAILED","2024-01-01T13:30:00.000Z","2024-01-01T14:30:00.000Z","States.Runtime","An error occurred while executing the state 'W2' (entered at the event id #4). The SecondsPath parameter cannot be parsed as a long value: $.more == 1.5"]
["FAILED","2024-01-01T14:30:00.000Z","2024-01-01T15:30:00.000Z","States.Runtime","An error occurred while executing the state 'W2' (entered at the event id #4). The SecondsPath parameter references a negative value: $.more == -1"]
["FAILED","2024-01-01T15:30:00.000Z","2024-01-01T16:30:00.000Z","States.Runtime","An error occurred while executing the state 'W3' (entered at the event id #6). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.until == 2024-01-01T13:30:00"]
["SUCCEEDED","2024-01-01T16:30:00.000Z","2024-01-01T17:30:00.000Z",null,null]
EOF
}

@test "virtual time: branches and Map iterations wait side by side, as on AWS" {
	# Branches of an hour and of half an hour take an hour, then four
	# ten-minute iterations take 20 minutes two at a time, 40 one at a
	# time (past the 90-minute timeout) and 10 all at once.
	for c in 2 1 0; do
		def '{"TimeoutSeconds":5400,"StartAt":"P","States":{
		 "P":{"Type":"Parallel","ResultPath":null,"Next":"M","Branches":[
		  {"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":3600,"End":true}}},
		  {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1800,"End":true}}}]},
		 "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":'$c',
		  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}},
		  "End":true}}}'
		sfnj '[.status, .stopDate]' "$BATS_TEST_TMPDIR/def.json" \
		    <<<'{"items":[1,2,3,4]}' >> "$BATS_TEST_TMPDIR/got" || true
	done
	run -0 cat "$BATS_TEST_TMPDIR/got"
	assert_output - <<'EOF'
["SUCCEEDED","2024-01-01T13:20:00.000Z"]
["TIMED_OUT","2024-01-01T13:30:00.000Z"]
["SUCCEEDED","2024-01-01T13:10:00.000Z"]
EOF
	# Branches that run commands run on threads, each on its own clock.
	def '{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
	 {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"a":1}},"OutputPath":"$.Payload","Next":"A"},"A":{"Type":"Wait","Seconds":3600,"End":true}}},
	 {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1800,"Next":"U"},"U":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"b":2}},"OutputPath":"$.Payload","End":true}}}]}}}'
	run -0 sfnj '[.status, .stopDate, .output]' -t f=cat \
	    "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["SUCCEEDED","2024-01-01T13:00:00.000Z","[{\"a\":1},{\"b\":2}]"]'
}

@test "virtual time: uneven Map iterations, MaxConcurrency at a time, each in the slot free first" {
	# Three slots: 5, 1 and 1 minutes start at once; the 4 and 2 minute
	# ones take the slots freed at 12:01, the 3 minute one the slot freed
	# at 12:03, the last the one freed at 12:05.
	def '{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"ItemsPath":"$.m",
	 "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}},
	 "End":true}}}'
	run -0 --separate-stderr sfn-run -H - -o /dev/null "$BATS_TEST_TMPDIR/def.json" \
	    <<<'{"m":[{"s":300},{"s":60},{"s":60},{"s":240},{"s":120},{"s":180},{"s":60}]}'
	run -0 jq -r 'select(.type | test("^MapIteration|^ExecutionSucceeded"))
	    | "\(.timestamp[11:16]) \(.type) \(.mapIterationStartedEventDetails.index // .mapIterationSucceededEventDetails.index // "-")"' <<<"$output"
	assert_output - <<'EOF'
12:00 MapIterationStarted 0
12:05 MapIterationSucceeded 0
12:00 MapIterationStarted 1
12:01 MapIterationSucceeded 1
12:00 MapIterationStarted 2
12:01 MapIterationSucceeded 2
12:01 MapIterationStarted 3
12:05 MapIterationSucceeded 3
12:01 MapIterationStarted 4
12:03 MapIterationSucceeded 4
12:03 MapIterationStarted 5
12:06 MapIterationSucceeded 5
12:05 MapIterationStarted 6
12:06 MapIterationSucceeded 6
12:06 ExecutionSucceeded -
EOF
}

@test "a signal to sfn-run takes its running task commands with it (exit 128+signal)" {
	# (stderr apart: valgrind reports what a signal death leaves allocated)
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"slow","End":true}}}'
	for sig in TERM:143 INT:130; do
		rm -f "$BATS_TEST_TMPDIR/pid"
		# A background job of a script ignores SIGINT: give it back.
		run -0 --separate-stderr bash -c "
		    echo '{}' | env --default-signal=INT sfn-run \
			-t 'slow=$F/sleeper.sh $BATS_TEST_TMPDIR/pid' \
			'$BATS_TEST_TMPDIR/def.json' &
		    for i in \$(seq 100); do
			[ -s '$BATS_TEST_TMPDIR/pid' ] && break
			sleep 0.05
		    done
		    kill -${sig%:*} \$!
		    wait \$!
		    echo status \$?"
		assert_output "status ${sig#*:}"
		# The group is gone once init has reaped what was killed.
		pg=$(cat "$BATS_TEST_TMPDIR/pid")
		for i in $(seq 40); do
			kill -0 -- "-$pg" 2>/dev/null || break
			sleep 0.05
		done
		run -1 kill -0 -- "-$pg"
	done
}

@test "an endless Choice loop fails at AWS's 25,000-event history limit, --history or not" {
	# Pass and Choice take no time, virtual or deterministic: the
	# TimeoutSeconds never comes; the history limit does.  (timeout(1)
	# only turns a hang into a failure.)
	def '{"TimeoutSeconds":60,"StartAt":"Loop","States":{
	 "Loop":{"Type":"Choice","Choices":[{"Variable":"$.spin","BooleanEquals":true,"Next":"Loop"}],"Default":"Done"},
	 "Done":{"Type":"Succeed"}}}'
	limit='"States.Runtime","The execution reached the maximum number of history events (25000)."'
	run -1 --separate-stderr timeout 60 sfn-run --clock=virtual \
	    "$BATS_TEST_TMPDIR/def.json" <<<'{"spin":true}'
	run -0 jq -c "$BRIEF" <<<"$output"
	assert_output "[\"FAILED\",null,$limit]"
	# The same events counted with --history; the next execution starts
	# a history of its own.
	run -1 --separate-stderr timeout 60 sfn-run --clock=virtual \
	    -H "$BATS_TEST_TMPDIR/h" "$BATS_TEST_TMPDIR/def.json" <<-'EOF'
	{"spin":true}
	{"spin":false}
	EOF
	assert_equal "$stderr" "sfn-run: <stdin>:1: execution $(jq -r .name <<<"${lines[0]}") FAILED: States.Runtime"
	run -0 jq -c "$BRIEF" <<<"$output"
	assert_output - <<-EOF
	["FAILED",null,$limit]
	["SUCCEEDED","{\"spin\":false}",null,null]
	EOF
	run -0 bash -c "sed -n '1p;24998,25001p' '$BATS_TEST_TMPDIR/h' | jq -c \
	    '[.id, .previousEventId, .type, .executionFailedEventDetails // .stateExitedEventDetails.name]'"
	assert_output - <<-EOF
	[1,0,"ExecutionStarted",null]
	[24998,24997,"ChoiceStateEntered",null]
	[24999,24998,"ChoiceStateExited","Loop"]
	[25000,24999,"ExecutionFailed",{"error":"States.Runtime","cause":"The execution reached the maximum number of history events (25000)."}]
	[1,0,"ExecutionStarted",null]
	EOF
	run -0 wc -l < "$BATS_TEST_TMPDIR/h"
	assert_output 25006
}

@test "a distributed Map's child execution that loops forever fails its item, at its own history limit" {
	mkdir -p "$BATS_TEST_TMPDIR/s3/b"
	printf '{"spin":true}\n{"spin":false}\n' > "$BATS_TEST_TMPDIR/s3/b/items.jsonl"
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
	 "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"items.jsonl"},"ReaderConfig":{"InputType":"JSONL"}},
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Loop","States":{
	  "Loop":{"Type":"Choice","Choices":[{"Variable":"$.spin","BooleanEquals":true,"Next":"Loop"}],"Default":"Done"},
	  "Done":{"Type":"Succeed"}}},"End":true}}}'
	run -0 --separate-stderr sfnj "$BRIEF" --s3-dir "$BATS_TEST_TMPDIR/s3" \
	    -H "$BATS_TEST_TMPDIR/h" "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["SUCCEEDED","[{\"Error\":\"States.Runtime\",\"Cause\":\"The execution reached the maximum number of history events (25000).\"},{\"spin\":false}]",null,null]'
	run -0 jq -r .type "$BATS_TEST_TMPDIR/h"
	assert_output - <<-'EOF'
	ExecutionStarted
	MapStateEntered
	MapStateStarted
	MapRunStarted
	MapRunSucceeded
	MapStateSucceeded
	MapStateExited
	ExecutionSucceeded
	EOF
}

@test "the history's 25,000th event may be ExecutionSucceeded; any other fails the execution" {
	# 1 ExecutionStarted + 2 Init + 4 per round + 2 More + 2 Done + the end:
	# 6248 rounds make 25,000 events, 6249 would make 25,004.
	for n in 6248 6249; do
		def '{"StartAt":"Init","States":{"Init":{"Type":"Pass","Result":{"i":0},"Next":"More"},
		 "More":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":'$n',"Next":"Inc"}],"Default":"Done"},
		 "Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"More"},
		 "Done":{"Type":"Succeed"}}}'
		sfnj "$BRIEF" -H "$BATS_TEST_TMPDIR/h" "$BATS_TEST_TMPDIR/def.json" \
		    <<<'{}' >> "$BATS_TEST_TMPDIR/got" 2>/dev/null || true
		tail -2 "$BATS_TEST_TMPDIR/h" | jq -c '[.id, .type]' >> "$BATS_TEST_TMPDIR/got"
	done
	run -0 cat "$BATS_TEST_TMPDIR/got"
	assert_output - <<-'EOF'
	["SUCCEEDED","{\"i\":6248}",null,null]
	[24999,"SucceedStateExited"]
	[25000,"ExecutionSucceeded"]
	["FAILED",null,"States.Runtime","The execution reached the maximum number of history events (25000)."]
	[24999,"PassStateExited"]
	[25000,"ExecutionFailed"]
	EOF
}

@test "TimeoutSeconds ends a waiting loop on the virtual clock, before the history limit" {
	def '{"TimeoutSeconds":600,"StartAt":"W","States":{
	 "W":{"Type":"Wait","Seconds":7,"Next":"Again"},
	 "Again":{"Type":"Choice","Choices":[{"Variable":"$.spin","BooleanEquals":true,"Next":"W"}],"Default":"Done"},
	 "Done":{"Type":"Succeed"}}}'
	run -1 --separate-stderr sfnj '[.status, .stopDate, .error]' --clock=virtual \
	    -H "$BATS_TEST_TMPDIR/h" "$BATS_TEST_TMPDIR/def.json" <<<'{"spin":true}'
	assert_output '["TIMED_OUT","2024-01-01T12:10:00.000Z",null]'
	# 85 rounds of 7 seconds; the 86th wait is cut short.
	run -0 jq -c 'select(.id > 341) | [.id, .type, .timestamp]' "$BATS_TEST_TMPDIR/h"
	assert_output - <<-'EOF'
	[342,"WaitStateEntered","2024-01-01T12:09:55.000Z"]
	[343,"ExecutionTimedOut","2024-01-01T12:10:00.000Z"]
	EOF
}

@test "the machine's TimeoutSeconds ends an execution as TIMED_OUT" {
	def '{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}'
	run -1 --separate-stderr sfnj '[.status, .stopDate, .error, .cause]' \
	    "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["TIMED_OUT","2024-01-01T12:00:10.000Z",null,null]'
}

@test "Retry: interval, backoff, MaxDelaySeconds, then Catch with ResultPath" {
	run -0 sfnj '[.status, .stopDate, .output]' -t "flaky=$F/busy.sh" \
	    "$F/retry.asl.json" <<<'{"a":1}'
	assert_output '["SUCCEEDED","2024-01-01T12:00:18.000Z","{\"a\":1,\"error\":{\"Error\":\"Custom.Busy\",\"Cause\":\"{\\\"errorType\\\":\\\"Custom.Busy\\\",\\\"errorMessage\\\":\\\"try later\\\"}\"}}"]'
}

@test "a task command: identity, error object, exit status, garbage, signal" {
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}'
	cat > "$BATS_TEST_TMPDIR/raise" <<'EOF'
#!/bin/sh
cat >/dev/null
echo '{"errorMessage":"FAILED! (force-error == true)","errorType":"Exception","stackTrace":[]}'
exit 1
EOF
	printf '#!/bin/sh\ncat >/dev/null\necho oops; exit 3\n' > "$BATS_TEST_TMPDIR/exit3"
	printf '#!/bin/sh\ncat >/dev/null\necho "{not json"\n' > "$BATS_TEST_TMPDIR/garbage"
	printf '#!/bin/sh\ncat >/dev/null\nkill -9 $$\n' > "$BATS_TEST_TMPDIR/killed"
	printf '#!/bin/sh\ncat >/dev/null\nprintf %s \047"a\001b"\047\n' > "$BATS_TEST_TMPDIR/control"
	chmod +x "$BATS_TEST_TMPDIR"/raise "$BATS_TEST_TMPDIR"/exit3 \
	    "$BATS_TEST_TMPDIR"/garbage "$BATS_TEST_TMPDIR"/killed \
	    "$BATS_TEST_TMPDIR"/control
	run -0 sfnj '.output | fromjson' -t f=cat "$BATS_TEST_TMPDIR/def.json" \
	    <<<'{"n":12345678901234567890}'
	assert_output '{"n":12345678901234567000}'
	for h in raise exit3 garbage killed control; do
		sfn-run -t "f=$BATS_TEST_TMPDIR/$h" "$BATS_TEST_TMPDIR/def.json" <<<'{}' |
		    jq -c '[.status, .error, .cause]' || true
	done > "$BATS_TEST_TMPDIR/out"
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output - <<'EOF'
["FAILED","Exception","{\"errorMessage\":\"FAILED! (force-error == true)\",\"errorType\":\"Exception\",\"stackTrace\":[]}"]
["FAILED","States.TaskFailed","{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: 2c6b29a5-6d58-49e7-a428-105d957ef51f Error: Runtime exited with error: exit status 3\"}"]
["FAILED","States.TaskFailed","{\"errorType\":\"Runtime.MarshalError\",\"errorMessage\":\"Unable to marshal response: the response is not one JSON text\"}"]
["FAILED","States.TaskFailed","{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: 2c6b29a5-6d58-49e7-a428-105d957ef51f Error: Runtime exited with error: signal: killed\"}"]
["FAILED","States.TaskFailed","{\"errorType\":\"Runtime.MarshalError\",\"errorMessage\":\"Unable to marshal response: the response is not one JSON text\"}"]
EOF
}

@test "a task bound by state name, and a resource with no command" {
	def '{"StartAt":"Greet","States":{"Greet":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:greet","End":true}}}'
	run -0 sfnj '.output | fromjson' -t 'Greet=printf {"hello":1}' \
	    "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '{"hello":1}'
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["FAILED",null,"States.TaskFailed","no command is bound to the resource '"'arn:aws:states:us-east-1:123456789012:activity:greet'"' (see --task)"]'
}

@test "a hanging command is killed at TimeoutSeconds and HeartbeatSeconds" {
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"slow","TimeoutSeconds":1,"End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" -t 'slow=sleep 30' "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["FAILED",null,"States.Timeout",null]'
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"slow","TimeoutSeconds":60,"HeartbeatSeconds":1,"End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" -t 'slow=sleep 30' "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["FAILED",null,"States.HeartbeatTimeout",null]'
}

@test "lambda:invoke wraps the result as AWS does" {
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:Inventory:$LATEST","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload","code.$":"$.StatusCode","v.$":"$.ExecutedVersion","id.$":"$.SdkResponseMetadata.RequestId"},"End":true}}}'
	run -0 sfnj '.output | fromjson' -t Inventory=cat "$BATS_TEST_TMPDIR/def.json" <<<'{"x":1}'
	assert_output '{"p":{"x":1},"code":200,"v":"$LATEST","id":"2c6b29a5-6d58-49e7-a428-105d957ef51f"}'
}

@test "the workshop's OrderProcessing publishes the event ebus-put passes on" {
	run -0 sfn-run -n OrderProcessing -a 111111111111 \
	    -e "$BATS_TEST_TMPDIR/events" -o "$BATS_TEST_TMPDIR/results" \
	    "$F/workshop.asl.json" < "$F/e1.json"
	assert_output ""
	diff "$F/workshop.events" "$BATS_TEST_TMPDIR/events"
	diff "$F/workshop.result" "$BATS_TEST_TMPDIR/results"
	# Events on stdout, results elsewhere: the next stage keeps them.
	run -0 --separate-stderr bash -c "sfn-run -n OrderProcessing -a 111111111111 -e - -o /dev/null '$F/workshop.asl.json' < '$F/e1.json' | ebus-put"
	assert_output "$(cat "$F/workshop.events")"
}

@test "events:putEvents: a rejected entry fails the task with EventBridge.FailedEntry" {
	def '{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Source":"a","DetailType":"b","Detail":{}},{"DetailType":"b","Detail":"{}"}]},"End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" -e "$BATS_TEST_TMPDIR/ev" \
	    "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["FAILED",null,"EventBridge.FailedEntry","{\"Entries\":[{\"EventId\":\"2c6b29a5-6d58-49e7-a428-105d957ef51f\"},{\"ErrorCode\":\"InvalidArgument\",\"ErrorMessage\":\"Parameter Source is not valid. Reason: Source is a required argument.\"}],\"FailedEntryCount\":1}"]'
	run -0 jq -c '[.id, .source, .detail]' "$BATS_TEST_TMPDIR/ev"
	assert_output '["2c6b29a5-6d58-49e7-a428-105d957ef51f","a",{}]'
}

@test "Parallel and Map: ItemSelector, context, ItemBatcher, order kept" {
	run -0 sfnj '.output | fromjson' "$F/map.asl.json" <<<'{"items":[1,2,3],"tag":"t"}'
	assert_output '{"doubled":[{"i":0,"v":2,"tag":"t"},{"i":1,"v":4,"tag":"t"},{"i":2,"v":6,"tag":"t"}],"batches":[{"n":2,"tag":"t"},{"n":1,"tag":"t"}]}'
}

@test "Map: tolerated failures and their threshold" {
	run -1 --separate-stderr sfnj "$BRIEF" "$F/tolerate.asl.json" \
	    < "$F/tolerate.in"
	assert_equal "$stderr" "sfn-run: <stdin>:2: execution 503ace97-cec5-4e06-9fc8-ed01d93711f1 FAILED: States.ExceedToleratedFailureThreshold
sfn-run: <stdin>:3: execution 725bfdba-5a90-499b-b9cf-cf11118e3e28 FAILED: States.Runtime
sfn-run: <stdin>:4: execution 27f68669-d7ca-4b76-b578-3f48c477535d FAILED: States.Runtime"
	assert_output - <<'EOF'
["SUCCEEDED","[1,{\"Error\":\"Negative\",\"Cause\":\"a negative item\"},3,{\"Error\":\"Negative\",\"Cause\":\"a negative item\"}]",null,null]
["FAILED",null,"States.ExceedToleratedFailureThreshold","The specified tolerated failure threshold was exceeded"]
["FAILED",null,"States.Runtime","An error occurred while executing the state 'M' (entered at the event id #2). ToleratedFailureCount cannot be negative."]
["FAILED",null,"States.Runtime","An error occurred while executing the state 'M' (entered at the event id #2). The ToleratedFailureCountPath field refers to value \"x\" which is not a valid integer: $.tolerate"]
EOF
}

@test "the 18 intrinsic functions" {
	def '{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{
	  "format.$":"States.Format('"'"'{} has {} \\{x\\}'"'"', $.name, $.obj)",
	  "tojson.$":"States.StringToJson($.json)",
	  "tostring.$":"States.JsonToString($.obj)",
	  "array.$":"States.Array(1, '"'"'two'"'"', $.obj, null)",
	  "partition.$":"States.ArrayPartition($.list, 2)",
	  "contains.$":"States.ArrayContains($.list, 3)",
	  "range.$":"States.ArrayRange(10, 1, -4)",
	  "item.$":"States.ArrayGetItem($.list, 1)",
	  "length.$":"States.ArrayLength($.list)",
	  "unique.$":"States.ArrayUnique(States.Array(1, 1, 2, 1))",
	  "b64.$":"States.Base64Encode($.name)",
	  "unb64.$":"States.Base64Decode('"'"'aGVsbG8='"'"')",
	  "md5.$":"States.Hash($.name, '"'"'MD5'"'"')",
	  "sha1.$":"States.Hash($.name, '"'"'SHA-1'"'"')",
	  "sha256.$":"States.Hash($.name, '"'"'SHA-256'"'"')",
	  "sha384.$":"States.Hash('"'"''"'"', '"'"'SHA-384'"'"')",
	  "sha512.$":"States.Hash('"'"''"'"', '"'"'SHA-512'"'"')",
	  "merge.$":"States.JsonMerge($.obj, States.StringToJson('"'"'{\"b\":9}'"'"'), false)",
	  "random.$":"States.MathRandom(5, 6)",
	  "add.$":"States.MathAdd(-1.5, 2.5)",
	  "split.$":"States.StringSplit('"'"',a,,b,'"'"', '"'"','"'"')",
	  "uuid.$":"States.UUID()"},"End":true}}}'
	run -0 sfnj '.output | fromjson | del(.uuid)' "$BATS_TEST_TMPDIR/def.json" \
	    <<<'{"name":"abc","obj":{"a":1,"b":[true,null]},"json":" ","list":[1,2,3,3]}'
	assert_output '{"format":"abc has {a=1, b=[true, null]} {x}","tojson":null,"tostring":"{\"a\":1,\"b\":[true,null]}","array":[1,"two",{"a":1,"b":[true,null]},null],"partition":[[1,2],[3,3]],"contains":true,"range":[10,6,2],"item":2,"length":4,"unique":[1,2],"b64":"YWJj","unb64":"hello","md5":"900150983cd24fb0d6963f7d28e17f72","sha1":"a9993e364706816aba3e25717850c26c9cd0d89d","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","sha384":"38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b","sha512":"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e","merge":{"a":1,"b":9},"random":5,"add":2,"split":["a","b"]}'
	run -0 jq -r '.output | fromjson | .uuid' "$BATS_TEST_TMPDIR/results"
	assert_output --regexp '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
}

@test "an intrinsic failure names the function" {
	def '{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"x.$":"States.ArrayGetItem($.a, 5)"},"End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" <<<'{"a":[1]}'
	assert_output '["FAILED",null,"States.IntrinsicFailure","An error occurred while executing the state '"'I'"' (entered at the event id #2). Invalid arguments in States.ArrayGetItem: index 5 out of bounds"]'
}

@test "payload limits: big results are States.DataLimitExceeded" {
	def '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}'
	jq -cn '{s: ("x" * 200000)}' > "$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" < "$BATS_TEST_TMPDIR/in"
	assert_output '["FAILED",null,"States.DataLimitExceeded","The state/task '"'P'"' returned a result with a size exceeding the maximum number of bytes service limit."]'
	jq -cn '{s: ("x" * 300000)}' > "$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" < "$BATS_TEST_TMPDIR/in"
	assert_output '["FAILED",null,"States.DataLimitExceeded","The execution input exceeds the maximum of 262144 bytes."]'
}

@test "deeply nested payloads: as deep as libjq reads, else a located exit 4" {
	jq -cn '[range(200)] | reduce .[] as $i (0; [.])' > "$BATS_TEST_TMPDIR/in"
	jq -cn '[range(5000)] | reduce .[] as $i (0; [.])' >> "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr sfnj .status -k "$FIXTURES/cli/pass.asl.json" \
	    < "$BATS_TEST_TMPDIR/in"
	assert_output '"SUCCEEDED"'
	assert_equal "$stderr" "sfn-run: <stdin>:2: invalid JSON: Exceeds depth limit for parsing at line 1, column 257"
}

@test "--history writes AWS's event shapes, one per line" {
	run -0 sfn-run -H "$BATS_TEST_TMPDIR/h" -o /dev/null "$F/map.asl.json" <<<'{"items":[1,2],"tag":"t"}'
	diff "$F/map.history" "$BATS_TEST_TMPDIR/h"
	run -0 jq -r .type "$BATS_TEST_TMPDIR/h"
	assert_line --index 0 ExecutionStarted
	assert_line --index 3 MapStateEntered
	assert_line --index 5 MapIterationStarted
	assert_line --index 23 ExecutionSucceeded
}

@test "a Step Functions Local mock configuration drives the tasks" {
	cat > "$BATS_TEST_TMPDIR/mock.json" <<'EOF'
{"StateMachines":{"retry":{"TestCases":{"HappyAfterRetry":{"T":"BusyThenOk"}}}},
 "MockedResponses":{"BusyThenOk":{"0-1":{"Throw":{"Error":"Custom.Busy","Cause":"busy"}},"2":{"Return":{"ok":true}}}}}
EOF
	run -0 sfnj '[.status, .stopDate, .output]' -m "$BATS_TEST_TMPDIR/mock.json" \
	    --test-case HappyAfterRetry "$F/retry.asl.json" <<<'{}'
	assert_output '["SUCCEEDED","2024-01-01T12:00:08.000Z","{\"ok\":true}"]'
	run -3 sfn-run -m "$BATS_TEST_TMPDIR/mock.json" --test-case Nope "$F/retry.asl.json"
	assert_output "sfn-run: $BATS_TEST_TMPDIR/mock.json: state machine 'retry' has no test case 'Nope'"
}

@test "--dot draws the machine, and the path a history took" {
	run -0 sfn-run --dot "$F/map.asl.json"
	diff "$F/map.dot" <(printf '%s\n' "$output")
	run -0 sfn-run --dot="$F/map.history" "$F/map.asl.json"
	diff "$F/map-history.dot" <(printf '%s\n' "$output")
}

@test "Map ItemReader and ResultWriter on local files (--s3-dir)" {
	cp -r "$F/s3" "$BATS_TEST_TMPDIR/s3"
	run -0 sfnj '.output | fromjson' --s3-dir "$BATS_TEST_TMPDIR/s3" \
	    "$F/reader.asl.json" <<<'{"key":"in/lines.csv","max":10}'
	assert_output '{"MapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:reader/Lines:2c6b29a5-6d58-49e7-a428-105d957ef51f","ResultWriterDetails":{"Bucket":"results","Key":"runs/2c6b29a5-6d58-49e7-a428-105d957ef51f/manifest.json"}}'
	run_dir="$BATS_TEST_TMPDIR/s3/results/runs/2c6b29a5-6d58-49e7-a428-105d957ef51f"
	run -0 cat "$run_dir/manifest.json"
	assert_output '{"DestinationBucket":"results","MapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:reader/Lines:2c6b29a5-6d58-49e7-a428-105d957ef51f","ResultFiles":{"SUCCEEDED":[{"Key":"runs/2c6b29a5-6d58-49e7-a428-105d957ef51f/SUCCEEDED_0.json","Size":209}],"FAILED":[{"Key":"runs/2c6b29a5-6d58-49e7-a428-105d957ef51f/FAILED_0.json","Size":100}],"PENDING":[]}}'
	run -0 jq -c '[.[] | .Input | fromjson | .id]' "$run_dir/SUCCEEDED_0.json"
	assert_output '["1","2,b"]'
	run -0 jq -c '.[] | [.Error, .Cause]' "$run_dir/FAILED_0.json"
	assert_output '["NoQuantity","empty qty"]'
	run -1 --separate-stderr sfnj "$BRIEF" --s3-dir "$BATS_TEST_TMPDIR/s3" "$F/reader.asl.json" \
	    <<<'{"key":"in/none.csv","max":10}'
	assert_output '["FAILED",null,"States.ItemReaderFailed","An error occurred while executing the state '"'Read'"' (entered at the event id #2). cannot read '"$BATS_TEST_TMPDIR"'/s3/orders/in/none.csv: No such file or directory"]'
}

@test "JSONata: ItemReader Arguments and MaxItems, ItemBatcher, ResultWriter Arguments" {
	cp -r "$F/s3" "$BATS_TEST_TMPDIR/s3"
	def '{"QueryLanguage":"JSONata","StartAt":"Read","States":{"Read":{"Type":"Map",
	 "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Arguments":{"Bucket":"orders","Key":"{% $states.input.key %}"},
	   "ReaderConfig":{"InputType":"JSON","MaxItems":"{% $states.input.max %}"}},
	 "ItemBatcher":{"MaxItemsPerBatch":"{% $states.input.per %}","BatchInput":{"n":"{% $states.input.max %}"}},
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
	 "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Arguments":{"Bucket":"results","Prefix":"{% \"runs\" %}"}},
	 "Output":"{% $states.result.ResultWriterDetails.Bucket %}","End":true}}}'
	run -0 sfnj '.output' --s3-dir "$BATS_TEST_TMPDIR/s3" "$BATS_TEST_TMPDIR/def.json" \
	    <<<'{"key":"in/lines.json","max":3,"per":2}'
	assert_output '"\"results\""'
	run -0 bash -c "jq -c '[.[] | .Output | fromjson]' '$BATS_TEST_TMPDIR'/s3/results/runs/*/SUCCEEDED_0.json"
	assert_output '[{"n":3,"Items":[{"id":"a"},{"id":"b"}]},{"n":3,"Items":[{"id":"c"}]}]'
	run -1 --separate-stderr sfnj '.cause' --s3-dir "$BATS_TEST_TMPDIR/s3" "$BATS_TEST_TMPDIR/def.json" \
	    <<<'{"max":3,"per":2}'
	assert_output "\"An error occurred while executing the state 'Read' (entered at the event id #2). The JSONata expression '\$states.input.key' specified for the field 'ItemReader/Arguments/Key' returned nothing (undefined).\""
	bad '{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{"MaxItemsPerBatchPath":"$.n"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}' \
	    "state 'M': ItemBatcher: unknown field 'MaxItemsPerBatchPath'"
}

@test "ItemReader: JSON, JSONL, listObjectsV2, MaxItems" {
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"orders","Key.$":"$.key"},"ReaderConfig":{"InputType":"JSONL","MaxItems":1}},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
	run -0 sfnj '.output | fromjson' --s3-dir "$F/s3" "$BATS_TEST_TMPDIR/def.json" <<<'{"key":"in/lines.jsonl"}'
	assert_output '[{"id":1}]'
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"orders","Key":"in/lines.json"}},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.id","End":true}}},"End":true}}}'
	run -0 sfnj '.output | fromjson' --s3-dir "$F/s3" "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["a","b","c"]'
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"orders","Prefix":"in/lines.j"}},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"k.$":"$.Key","s.$":"$.Size","c.$":"$.StorageClass"},"End":true}}},"End":true}}}'
	run -0 sfnj '.output | fromjson' --s3-dir "$F/s3" "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '[{"k":"in/lines.json","s":35,"c":"STANDARD"},{"k":"in/lines.jsonl","s":18,"c":"STANDARD"}]'
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObjectAttributes","Parameters":{}},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
	run -3 sfn-run "$BATS_TEST_TMPDIR/def.json"
	assert_output "sfn-run: $BATS_TEST_TMPDIR/def.json: state 'M': ItemReader.Resource must be arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2 (read from local files)"
}

@test "branches and Map iterations that run commands run side by side" {
	# meet.sh succeeds only when its partner runs at the same time.
	mkdir "$BATS_TEST_TMPDIR/meet"
	run -0 sfnj '.output | fromjson' -t "meet=$F/meet.sh" "$F/meet.asl.json" \
	    <<<'{"dir":"'"$BATS_TEST_TMPDIR/meet"'","pairs":[{"me":"c","other":"d"},{"me":"d","other":"c"}]}'
	assert_output '[[{"met":"a"},{"met":"b"}],[{"met":"c"},{"met":"d"}]]'
}

@test ".waitForTaskToken: the task gets a token; the command answers for it" {
	def '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"approve","Payload":{"token.$":"$$.Task.Token","order.$":"$.order"}},"End":true}}}'
	run -0 sfnj '.output | fromjson' -t approve=cat "$BATS_TEST_TMPDIR/def.json" <<<'{"order":7}'
	assert_output '{"ExecutedVersion":"$LATEST","Payload":{"token":"2c6b29a5-6d58-49e7-a428-105d957ef51f","order":7},"SdkHttpMetadata":{"AllHttpHeaders":{"X-Amz-Executed-Version":["$LATEST"],"x-amzn-Remapped-Content-Length":["0"],"Connection":["keep-alive"],"x-amzn-RequestId":["f1c4e37c-ec69-4d32-9f48-fdcc02316e28"],"Content-Length":["58"],"Date":["Mon, 01 Jan 2024 12:00:00 GMT"],"X-Amzn-Trace-Id":["root=1-6592a940-f1c4e37cec694d329f48fdcc;sampled=0"],"Content-Type":["application/json"]},"HttpHeaders":{"Connection":"keep-alive","Content-Length":"58","Content-Type":"application/json","Date":"Mon, 01 Jan 2024 12:00:00 GMT","X-Amz-Executed-Version":"$LATEST","x-amzn-Remapped-Content-Length":"0","x-amzn-RequestId":"f1c4e37c-ec69-4d32-9f48-fdcc02316e28","X-Amzn-Trace-Id":"root=1-6592a940-f1c4e37cec694d329f48fdcc;sampled=0"},"HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"f1c4e37c-ec69-4d32-9f48-fdcc02316e28"},"StatusCode":200}'
}

@test "Map: an ItemSelector or Parameters null in a machine that never reads \$\$" {
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"t.$":"$.tag","c":1},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{"xs":[1,2],"tag":"a"}'
	assert_output '"[{\"t\":\"a\",\"c\":1},{\"t\":\"a\",\"c\":1}]"'
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","Parameters":null,"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{"xs":[1,2]}'
	assert_output '"[null,null]"'
}

@test "JSONPath: a slice with a huge step, and empty quoted strings" {
	def '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"slice.$":"$.c[3:83:9223372036854775807]","back.$":"$.c[5:0:-9223372036854775808]","empty.$":"$['"''"']","eq.$":"$.xs[?(@.d == '"''"')]","re.$":"$.xs[?(@.d =~ //)]","fmt.$":"States.Format('"'{}'"', '"''"')"},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{"c":[0,1,2,3,4,5,6],"":"E","xs":[{"d":""},{"d":"x"}]}'
	assert_output '"{\"slice\":[3],\"back\":[5],\"empty\":\"E\",\"eq\":[{\"d\":\"\"}],\"re\":[{\"d\":\"\"},{\"d\":\"x\"}],\"fmt\":\"\"}"'
}

@test "States.Format with an empty template and an argument fails as AWS does" {
	def '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"fmt.$":"States.Format('"''"', $.a)"},"End":true}}}'
	run -1 --separate-stderr sfnj "$BRIEF" "$BATS_TEST_TMPDIR/def.json" <<<'{"a":1}'
	assert_output '["FAILED",null,"States.IntrinsicFailure","An error occurred while executing the state '"'P'"' (entered at the event id #2). Invalid arguments in States.Format: the number of arguments does not match the number of placeholders"]'
}

@test "JSONPath: a =~ regular expression is bounded as a CloudWatch one is" {
	re() {
		def '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"$.xs[?(@.d =~ /'"$1"'/)]"},"End":true}}}'
		run -3 --separate-stderr sfn-run "$BATS_TEST_TMPDIR/def.json" <<<'{}'
		assert_equal "$stderr" "sfn-run: $BATS_TEST_TMPDIR/def.json: state 'P': r.\$: invalid path '\$.xs[?(@.d =~ /$2/)]': $3"
	}
	re 'a+++' 'a+++' "'+' cannot follow another quantifier in a regular expression at offset 20 (')')"
	re '(a{1,100}){1,100}' '(a{1,100}){1,100}' "the repetition counts of a regular expression add up to more than 1000 at offset 33 (')')"
	re '((((((((((((((((((x+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+' '((((((((((((((((((x+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+' "a regular expression expands to more than 100000 items at offset 72 (')')"
	re '(a)\\1' '(a)\1' "back-references are not supported in a regular expression at offset 21 (')')"
	re '(' '(' "invalid regular expression: Unmatched ( or \\( at offset 17 (')')"
	# what stays: groups, alternatives, a lazy '?' (dropped), classes
	def '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"$.xs[?(@.d =~ /^(x|[[:digit:]]y){1,3}?$/i)]"},"End":true}}}'
	run -0 sfnj '.output' "$BATS_TEST_TMPDIR/def.json" <<<'{"xs":[{"d":"X1y"},{"d":"xz"},{"d":"xxxx"}]}'
	assert_output '"{\"r\":[{\"d\":\"X1y\"}]}"'
}

@test "a distributed Map's child execution counts its own ExecutionStarted toward the limit" {
	# As in the test above, 6248 rounds make 25,000 events, 6249 too many.
	mkdir -p "$BATS_TEST_TMPDIR/s3/b"
	printf '{"n":6248}\n{"n":6249}\n' > "$BATS_TEST_TMPDIR/s3/b/items.jsonl"
	def '{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
	 "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"items.jsonl"},"ReaderConfig":{"InputType":"JSONL"}},
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Init","States":{
	  "Init":{"Type":"Pass","Parameters":{"i":0,"n.$":"$.n"},"Next":"More"},
	  "More":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThanPath":"$.n","Next":"Inc"}],"Default":"Done"},
	  "Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","n.$":"$.n"},"Next":"More"},
	  "Done":{"Type":"Succeed"}}},"End":true}}}'
	run -0 --separate-stderr sfnj "$BRIEF" --s3-dir "$BATS_TEST_TMPDIR/s3" \
	    "$BATS_TEST_TMPDIR/def.json" <<<'{}'
	assert_output '["SUCCEEDED","[{\"i\":6248,\"n\":6248},{\"Error\":\"States.Runtime\",\"Cause\":\"The execution reached the maximum number of history events (25000).\"}]",null,null]'
}
