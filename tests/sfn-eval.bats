#!/usr/bin/env bats
# sfn-eval: a JSONata expression evaluated on each input line, with exact
# outputs and exit statuses (the language itself is covered by
# jsonata-suite.bats).

load test_helper/common

@test "a path keeps the input's number spellings; arithmetic does not" {
	run -0 --separate-stderr sfn-eval 'a' <<<'{"a":{"n":9007199254740993,"p":38.90}}'
	assert_output '{"n":9007199254740993,"p":38.90}'
	run -0 --separate-stderr sfn-eval 'a.p * 2' <<<'{"a":{"n":9007199254740993,"p":38.90}}'
	assert_output '77.8'
}

@test "each line is \$ and \$states.input" {
	run -0 --separate-stderr sfn-eval '[$states.input.id, id, $sum(items.(price * qty))]' <<'EOF2'
{"id":"a","items":[{"price":2,"qty":3},{"price":5,"qty":1}]}
{"id":"b","items":[]}
EOF2
	assert_output '["a","a",11]
["b","b"]'
}

@test "--var binds variables; -n evaluates once without input" {
	run -0 --separate-stderr sfn-eval -n --var 'rate=1.5' --var 'x="y"' \
	    '[$rate * 2, $x, $exists($states.input)]'
	assert_output '[3,"y",false]'
}

@test "an undefined result writes nothing, or the --undefined text" {
	run -0 --separate-stderr sfn-eval a <<<$'{"a":1}\n{"b":2}\n{"a":[3]}'
	assert_output $'1\n[3]'
	run -0 --separate-stderr sfn-eval --undefined=null a <<<$'{"a":1}\n{"b":2}'
	assert_output $'1\nnull'
}

@test "lambdas, higher-order functions, regular expressions, sorting" {
	run -0 --separate-stderr sfn-eval -n \
	    '$map([3,1,2]^($), function($v, $i){ $v * 10 + $i })'
	assert_output '[10,21,32]'
	run -0 --separate-stderr sfn-eval -n \
	    '$replace("2026-12-06", /(\d+)-(\d+)-(\d+)/, "$3/$2/$1")'
	assert_output '"06/12/2026"'
	run -0 --separate-stderr sfn-eval \
	    'Product{ Colour: $sum(Price) }' <<<'{"Product":[{"Colour":"red","Price":2},{"Colour":"blue","Price":3},{"Colour":"red","Price":4}]}'
	assert_output '{"red":6,"blue":3}'
}

@test "\$formatInteger, \$parseInteger, \$formatNumber and \$formatBase pictures" {
	run -0 --separate-stderr sfn-eval -n \
	    '[$formatInteger(1234567, "#,##0"), $formatInteger(2026, "I"), $formatInteger(21, "w;o"), $formatBase(255, 16)]'
	assert_output '["1,234,567","MMXXVI","twenty-first","ff"]'
	run -0 --separate-stderr sfn-eval -n \
	    '[$parseInteger("1,234,567", "#,##0"), $parseInteger("MMXXVI", "I"), $parseInteger("one hundred and twenty-three", "w")]'
	assert_output '[1234567,2026,123]'
	run -0 --separate-stderr sfn-eval -n \
	    '[$formatNumber(1234.5678, "#,##0.00"), $formatNumber(0.25, "#%"), $formatNumber(1234.5, "0.0e0")]'
	assert_output '["1,234.57","25%","1.2e3"]'
	run -5 --separate-stderr sfn-eval -n '$formatNumber(1, "#.#.#")'
	[[ "$stderr" == *": D3081 at position "* ]]
}

@test "\$fromMillis and \$toMillis with picture strings and time zones" {
	run -0 --separate-stderr sfn-eval -n \
	    '[$fromMillis(1521801216617), $fromMillis(1521801216617, "[FNn], [D1o] [MNn] [Y] [h]:[m01] [P]", "-0500"), $toMillis("2018-03-23T10:33:36.617Z"), $toMillis("23/03/2018", "[D]/[M]/[Y]")]'
	assert_output '["2018-03-23T10:33:36.617Z","Friday, 23rd March 2018 5:33 am",1521801216617,1521763200000]'
	run -5 --separate-stderr sfn-eval -n '$toMillis("March")'
	[[ "$stderr" == *": D3110 at position "* ]]
}

@test "\$fromMillis outside JavaScript's dates gives jsonata-js's NaN fields, never a crash" {
	# (a time of 1.5e59 ms made an out-of-range int: found by fuzzing)
	run -0 --separate-stderr sfn-eval '[$fromMillis(1.5e59), $fromMillis(8.64e15), $fromMillis(8.64e15, "[Y0001]", "+0100"), $fromMillis(1e16, "[FNn] [MNn] [D1o] [YI] [P] [h]:[m01] [Z] [X]-[W] [E]")]' <<<'{}'
	assert_output '["0NaN-NaN-NaNTNaN:NaN:NaN.NaNZ","5760-09-13T00:00:00.000Z","0NaN","undefined undefined NaNth  am NaN:NaN +00:00 NaN-NaN ISO"]'
	run -5 --separate-stderr sfn-eval '$fromMillis(1e16, "[Yw]")' <<<'{}'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: U1001 at position 12: Stack overflow error: NaN has no words'
	# the zone is parseInt's: "+8e90" is 8 minutes (it was 8e90: found
	# by fuzzing), hexadecimal after 0x; none or too many hours is NaN
	run -0 --separate-stderr sfn-eval '[$fromMillis(1531310400000, "[H]:[m] [Z]", "+8e90"), $fromMillis(1531310400000, "[H]:[m] [Z]", " -0130xyz"), $fromMillis(1531310400000, "[H]:[m] [Z]", "0x1g"), $fromMillis(1531310400000, "[H]:[m]", "x"), $fromMillis(1531310400000, "[H]:[m]", "99999999999999999999")]' <<<'{}'
	assert_output '["12:08 +00:08","9:30 -02:30","12:01 +00:01","NaN:NaN","NaN:NaN"]'
}

@test "\$now and \$millis take the toolkit's fixed clock under EDAKIT_DETERMINISTIC" {
	run -0 --separate-stderr sfn-eval -n '[$now(), $now("[Y]-[M01] [H01]:[m01]", "+0530"), $millis()]'
	assert_output '["2024-01-01T12:00:00.000Z","2024-01 17:30",1704110400000]'
}

@test "matcher functions, lone surrogates, brackets in date pictures" {
	run -0 --separate-stderr sfn-eval -n \
	    '$match("abcab", function($s){ $contains($s, "b") ? {"match": "b", "start": $length($substringBefore($s, "b")), "end": 0, "groups": []} })'
	assert_output '{"match":"b","index":1,"groups":[]}'
	run -5 --separate-stderr sfn-eval -n '$split("some text", $uppercase)'
	[[ "$stderr" == *": T1010 at position "* ]]
	run -0 --separate-stderr sfn-eval -n '"a\uD800b"'
	assert_output '"a\ud800b"'
	run -5 --separate-stderr sfn-eval -n '$encodeUrlComponent("\uD800")'
	[[ "$stderr" == *": D3140 at position "* ]]
	run -0 --separate-stderr sfn-eval -n "\$fromMillis(0, '[[Year]]: [[[Y0001]]]')"
	assert_output '"[Year]: [1970]"'
}

@test "a missing argument: jsonata-js's result, or T0410 where it throws a TypeError" {
	# (these crashed the engine: found by fuzzing)
	run -5 --separate-stderr sfn-eval '$formatInteger(12.6, x)' <<<'{}'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: T0410 at position 15: Argument 2 of function formatInteger does not match function signature'
	for e in '$formatNumber(1, x)' '$parseInteger("1", x)' '$contains("ab", x)' '$split("ab", x)' '$replace("ab", x, "y")' '$replace("ab", /a/, x)'; do
		run -5 --separate-stderr sfn-eval "$e" <<<'{}'
		assert_output ""
		assert_equal "${stderr%%:*}" "sfn-eval"
		[[ $stderr == *' T0410 at position '*' does not match function signature' ]]
	done
	run -5 --separate-stderr sfn-eval '$power(2, x)' <<<'{}'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: D3061 at position 7: The power function has resulted in a value that cannot be represented as a JSON number'
	run -5 --separate-stderr sfn-eval '$replace("ab", "a", "b", -1)' <<<'{}'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: D3011 at position 9: Fourth argument of replace function must evaluate to a positive number'
	run -0 --separate-stderr sfn-eval --undefined=undefined '[$lookup({"undefined":5}, x), $lookup(x), $pad("ab", x), $substring("ab", x), $substring("ab", x, 1), $replace("ab", "a", x), $replace("ab", /z/, x), $replace("ab", x, "y", 0), $split("ab", x, 0)]' <<<'{}'
	assert_output '[5,"ab","ab","","undefinedb","ab","ab"]'
	run -0 --separate-stderr sfn-eval '$split("ab", x, 0)' <<<'{}'
	assert_output '[]'
}

@test "huge numbers where a function wants a count: jsonata-js's result or a located error" {
	# (these overflowed an integer conversion, or wrote forever)
	run -0 --separate-stderr sfn-eval '[$round(1, 1e300), $round(1.5, -1e300), $round(1, -400), $round(1234.5678, -2)]' <<<'{}'
	assert_output '[null,0,0,1200]'
	run -5 --separate-stderr sfn-eval '$pad("ab", -1e300)' <<<'{}'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: D3000 at position 5: $pad: the width is too large'
	run -5 --separate-stderr sfn-eval '$formatInteger(1e300, "I")' <<<'{}'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: D3000 at position 15: Roman numerals of 1e+300 would be too long'
	# an index past any long selects nothing; an infinite one is D1001
	# (it overflowed the index: found by fuzzing)
	run -0 --separate-stderr sfn-eval --undefined=U '[$[1e300], $[-1e300], $[[1e300, 0]]]' <<<'[3,1,4]'
	assert_output '[3]'
	run -5 --separate-stderr sfn-eval '$#$pos[$pos/0]' <<<'[3,1,4]'
	assert_equal "$stderr" 'sfn-eval: <stdin>:1: D1001 at position 12: Number out of range'
	# grouping an empty stream of @ or # tuples: as an undefined input is
	# grouped (it read a tuple that is not there: found by fuzzing)
	run -0 --separate-stderr sfn-eval '[nrg@$x{"a": 1}, nrg#$i{"k": $i}, a#$i{"k": $i}]' <<<'{"a":[1,2]}'
	assert_output '[{"a":1},{},{"k":[0,1]}]'
}

@test "the parent operator reaches the object a step came from" {
	run -0 --separate-stderr sfn-eval 'Order.Product.{ "order": %.OrderID, "sku": SKU }' <<<'{"Order":[{"OrderID":"o1","Product":[{"SKU":"a"},{"SKU":"b"}]},{"OrderID":"o2","Product":{"SKU":"c"}}]}'
	assert_output '[{"order":"o1","sku":"a"},{"order":"o1","sku":"b"},{"order":"o2","sku":"c"}]'
	run -3 --separate-stderr sfn-eval -n '%.a'
	[[ "$stderr" == "sfn-eval: expression: S0217 "* ]]
}

@test "a syntax error is exit 3 with its code, position and token" {
	run -3 --separate-stderr sfn-eval -n '$replace("foo", "o, "rr")'
	assert_output ''
	assert_equal "$stderr" 'sfn-eval: expression: S0202 at position 24 (token "rr""): Expected ")", got "rr""'
	run -3 --separate-stderr sfn-eval -n '[1!2]'
	assert_equal "$stderr" 'sfn-eval: expression: S0204 at position 3 (token "!"): Unknown operator: "!"'
	run -3 --separate-stderr sfn-eval -n '"\y"'
	assert_equal "$stderr" 'sfn-eval: expression: S0103 at position 2 (token "y"): Unsupported escape sequence: \y'
}

@test "a runtime error is reported for its line, the others are written, exit 5" {
	run -5 --separate-stderr sfn-eval 'a + 1' <<<$'{"a":1}\n{"a":"x"}\n{"a":3}'
	assert_output $'2\n4'
	assert_equal "$stderr" 'sfn-eval: <stdin>:2: T2001 at position 3: The left side of the "+" operator must evaluate to a number'
	run -5 --separate-stderr sfn-eval -n '$error("stop here")'
	assert_equal "$stderr" 'sfn-eval: <no input>: D3137 at position 7: stop here'
}

@test "a malformed line is located: stop, or go on with -k; exit 4" {
	run -4 --separate-stderr sfn-eval a <<<$'{"a":1}\n{"a":\n{"a":3}'
	assert_output '1'
	assert_equal "$stderr" 'sfn-eval: <stdin>:2: invalid JSON: unexpected end of input at byte 5'
	run -4 --separate-stderr sfn-eval -k a <<<$'{"a":1}\n{"a":\n{"a":3}'
	assert_output $'1\n3'
}

@test "runaway recursion and loops end with U1001, never a crash or a hang" {
	run -5 --separate-stderr sfn-eval -n '($f := function($n){$n + $f($n)}; $f(1))'
	# where the stack budget runs out depends on the build's frame sizes
	[[ "$stderr" == 'sfn-eval: <no input>: U1001 at position '*': Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.' ]]
	run -5 --separate-stderr sfn-eval -n --depth 50 \
	    '($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(100))'
	[[ "$stderr" == *": U1001 at position "* ]]
	run -5 --separate-stderr timeout 10 sfn-eval -n --time-limit=200 \
	    '($f := function($n){$f($n + 1)}; $f(1))'
	# the position is wherever the clock ran out
	[[ "$stderr" == 'sfn-eval: <no input>: U1001 at position '*': Expression evaluation timeout: Check for infinite loop' ]]
}

@test "tail calls run in constant stack" {
	run -0 --separate-stderr sfn-eval -n \
	    '($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(100000, 0))'
	assert_output '100000'
}

@test "-f reads the expression from a file; usage errors are exit 2" {
	printf '%s\n' '/* total */' 'a' '  + 1' > "$BATS_TEST_TMPDIR/e.jsonata"
	run -0 --separate-stderr sfn-eval -f "$BATS_TEST_TMPDIR/e.jsonata" <<<'{"a":1}'
	assert_output '2'
	run -2 --separate-stderr sfn-eval -n --var bad 1
	assert_equal "$stderr" "sfn-eval: invalid --var 'bad': use NAME=JSON"
	run -2 --separate-stderr sfn-eval -n --var 'x={' 1
	assert_equal "$stderr" "sfn-eval: invalid --var 'x': expected a member name at byte 1"
	run -2 --separate-stderr sfn-eval
	[[ "$stderr" == *"sfn-eval: an expression is required"* ]]
}

@test "computed numbers print as JavaScript prints them, on every path" {
	# integers, 15 digits or fewer, 16 and 17, subnormals; read and printed
	run -0 --separate-stderr sfn-eval '[n.($ * 1), n.$string($ * 1), $string(1/3), 2/3, $string(-7)]' \
	    <<<'{"n":[0.1,1.25e-2,-7e22,1e23,123456789012345678,0.000001234,5e-324,2.5e-320,9007199254740993,-0,1e15,123456789012345.6,1E+2,0.30000000000000004]}'
	assert_output '[0.1,0.0125,-7e+22,1e+23,123456789012345680,0.000001234,5e-324,2.5e-320,9007199254740992,0,1000000000000000,123456789012345.6,100,0.30000000000000004,"0.1","0.0125","-7e+22","1e+23","123456789012346000","0.000001234","5e-324","2.5e-320","9007199254740990","0","1000000000000000","123456789012346","100","0.3","0.333333333333333",0.6666666666666666,"-7"]'
}

@test "a variable that names a built-in function shadows it" {
	run -0 --separate-stderr sfn-eval -n \
	    '($sum := function($a){ "mine" }; [$sum([1,2]), $count([1,2])])'
	assert_output '["mine",2]'
	run -0 --separate-stderr sfn-eval -n --var 'string=5' '[$string, $number("3")]'
	assert_output '[5,3]'
	run -5 --separate-stderr sfn-eval -n '$substring(true, 1)'
	[ "$stderr" = 'sfn-eval: <no input>: T0410 at position 11: Argument 1 of function substring does not match function signature' ]
}

@test "a literal \$fromMillis picture is analysed once; a wrong one fails only when called" {
	run -0 --separate-stderr sfn-eval '$fromMillis(ts, "[Y0001]-[M01]-[D01] [H01]:[m01] [FNn], [D1o] [MNn]")' \
	    <<<$'{"ts":1700000000000}\n{"ts":1700000060000}'
	assert_output $'"2023-11-14 22:13 Tuesday, 14th November"\n"2023-11-14 22:14 Tuesday, 14th November"'
	run -0 --separate-stderr sfn-eval 'x ? $fromMillis(ts, "[Y0001") : "not called"' <<<'{"ts":0}'
	assert_output '"not called"'
	run -5 --separate-stderr sfn-eval '$fromMillis(ts, "[Y0001")' <<<$'{"ts":0}\n{"ts":1}'
	assert_output ''
	[ "$stderr" = 'sfn-eval: <stdin>:1: D3135 at position 12: No matching closing bracket '"']'"' in date/time picture string
sfn-eval: <stdin>:2: D3135 at position 12: No matching closing bracket '"']'"' in date/time picture string' ]
	run -0 --separate-stderr sfn-eval -n \
	    '($fromMillis := function($t, $p){ $p }; $fromMillis(1, "[Y0001]"))'
	assert_output '"[Y0001]"'
}

@test "a path of one name: members that are arrays, sequences, or missing" {
	run -0 --separate-stderr sfn-eval '[{"a": items.p}.a, {"a": items.q}.a, x.y, e, [nope], items[p>1].q, {"a": items[0]}.a]' \
	    <<<'{"items":[{"p":1,"q":[1,2]},{"p":2,"q":[]},{"p":3}],"x":{"y":[[1],[2]]},"e":[]}'
	assert_output '[1,2,3,1,2,[1],[2],[],{"p":1,"q":[1,2]}]'
}

@test "a member named twice in the input keeps its first place and its last value" {
	run -0 --separate-stderr sfn-eval '[$, ts, id]' <<<'{"id":1,"ts":2,"id":3,"":4,"":5}'
	assert_output '[{"id":3,"ts":2,"":5},2,3]'
}

@test "members an expression cannot reach are checked, not built: the same errors" {
	# only ts is built; a fault elsewhere is the same error at the same byte
	run -4 --separate-stderr sfn-eval '$fromMillis(ts)' <<<$'{"ts":0,"items":[1,,2]}\n{"ts":0,"x":1e400}\n{"x":{"a":[{"y":tru}]},"ts":1}'
	assert_output ''
	[ "$stderr" = 'sfn-eval: <stdin>:1: invalid JSON: invalid number at byte 19' ]
	run -4 --separate-stderr sfn-eval -k '$fromMillis(ts)' <<<$'{"ts":0,"x":1e400}\n{"x":{"a":[{"y":tru}]},"ts":1}\n{"ts":0,"x":"\\u12"}\n{"ts":0,"x":[1,2,3]}'
	assert_output '"1970-01-01T00:00:00.000Z"'
	[ "$stderr" = 'sfn-eval: <stdin>:1: invalid JSON: number out of range at byte 12
sfn-eval: <stdin>:2: invalid JSON: invalid literal at byte 16
sfn-eval: <stdin>:3: invalid JSON: invalid \u escape at byte 14' ]
}

@test "an expression that can reach the whole input sees all of it" {
	in='{"a":{"b":1},"b":"x","c":[1,2]}'
	run -0 --separate-stderr sfn-eval '[$keys(), $string(), $lookup("b"), $$.b, $states.input.b, a.%.b, $eval("b"), a ~> $lookup("b")]' <<<"$in"
	assert_output '["a","b","c","{\"a\":{\"b\":1},\"b\":\"x\",\"c\":[1,2]}","x","x","x","x","x",1]'
	run -0 --separate-stderr sfn-eval '[*, **.b, $sift(function($v){$v = "x"}), ($f := $keys; $f()), $each(function($v, $k){$k}), $spread()[1], a.$string(%), ($v := $; $v.c)]' <<<"$in"
	assert_output '[{"b":1},"x",1,2,"x",1,{"b":"x"},"a","b","c","a","b","c",{"b":"x"},"{\"a\":{\"b\":1},\"b\":\"x\",\"c\":[1,2]}",1,2]'
	run -0 --separate-stderr sfn-eval '[c#$i[$i=1], c@$x.($x), $map(c, function($x){ b }), $]' <<<"$in"
	assert_output '[2,1,2,"x","x",{"a":{"b":1},"b":"x","c":[1,2]}]'
}

@test "grouping gathers each key's items in order, arrays flattened, nothing shared changed" {
	run -0 --separate-stderr sfn-eval '[a{k: v}, a{k: $count($)}, [[1,2],[3],4]{"k": $}, ($x := [1,2]; [$x, 3]{"k": $}; $x)]' \
	    <<<'{"a":[{"k":"x","v":1},{"k":"x","v":[2,3]},{"k":"y","v":4},{"k":"x","v":5},{"k":"y"}]}'
	assert_output '[{"x":[1,2,3,5],"y":4},{"x":3,"y":2},{"k":[1,2,3,4]},1,2]'
}

@test "\$string of a number that rounds past the largest double is null, as JSON.stringify writes Infinity" {
	run -0 --separate-stderr sfn-eval -n '[$string(1.7976931348623157e308), $string([1.7976931348623157e308]), $string(1.7976931348623e308)]'
	assert_output '["null","[null]","1.7976931348623e+308"]'
}

@test "--aws-functions: Step Functions' function set, without \$eval" {
	run -0 --separate-stderr sfn-eval --aws-functions \
	    '[$range(1, $states.input.n, 2), [$partition([1,2,3], 2)], $hash("abc", "MD5"), $parse("[true]")]' <<<'{"n":5}'
	assert_output '[1,3,5,[[1,2],[3]],"900150983cd24fb0d6963f7d28e17f72",true]'
	run -5 --separate-stderr sfn-eval --aws-functions -n '$eval("1")'
	assert_equal "$stderr" "sfn-eval: <no input>: T1006 at position 6: Attempted to invoke a non-function"
	run -5 --separate-stderr sfn-eval -n '$partition([1], 1)'
	assert_equal "$stderr" "sfn-eval: <no input>: T1006 at position 11: Attempted to invoke a non-function"
	run -0 --separate-stderr sfn-eval -n '$eval("1 + 1")'
	assert_output '2'
}

@test "-p: a JSONPath state's reference path on each line, variables and \$\$ bound" {
	printf '%s\n' '{"a":{"b":[1,2,3]},"n":"x"}' '{"a":5}' '{"a":{"b":[]}}' > "$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr sfn-eval -p --undefined=U '$.a.b[1]' "$BATS_TEST_TMPDIR/in"
	assert_output $'2\nU\nU'
	run -0 --separate-stderr sfn-eval -p '$..b' "$BATS_TEST_TMPDIR/in"
	assert_output $'[[1,2,3]]\n[]\n[[]]'
	run -0 --separate-stderr sfn-eval -p -n --var 'limit={"n":10}' '$limit.n'
	assert_output 10
	run -0 --separate-stderr sfn-eval -p -n --context '{"Execution":{"Id":"arn:x"}}' '$$.Execution.Id'
	assert_output '"arn:x"'
	assert_equal "$stderr" ""
}

@test "-p: an intrinsic function; its failure is States.IntrinsicFailure for the line (exit 5)" {
	printf '%s\n' '{"n":"x","l":[1,2]}' '{"l":[]}' 'nope' '{"n":"y","l":[]}' > "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr sfn-eval -p -k "States.Format('n={} l={}', \$.n, \$.l)" "$BATS_TEST_TMPDIR/in"
	assert_output $'"n=x l=[1, 2]"\n"n=y l=[]"'
	assert_equal "$stderr" "sfn-eval: $BATS_TEST_TMPDIR/in:2: States.Runtime: Invalid path '\$.n' : No results for path: \$['n']
sfn-eval: $BATS_TEST_TMPDIR/in:3: invalid JSON: Invalid literal at EOF at line 1, column 4"
	run -5 --separate-stderr sfn-eval -p -n --var x=1 "States.StringToJson('{')"
	assert_output ""
	assert_equal "$stderr" "sfn-eval: <no input>: States.IntrinsicFailure: Invalid arguments in States.StringToJson: the argument is not valid JSON"
	run -0 --separate-stderr sfn-eval -p -n --var x=40 'States.MathAdd($x, 2)'
	assert_output 42
}

@test "-p: a path or call that does not compile is exit 3; bad --var and --context are exit 2" {
	run -3 --separate-stderr sfn-eval -p '$.a[' /dev/null
	assert_equal "$stderr" "sfn-eval: expression: unexpected character in brackets at end of path"
	run -3 --separate-stderr sfn-eval -p 'States.Nope(1)' /dev/null
	assert_equal "$stderr" "sfn-eval: expression: unknown intrinsic function 'States.Nope'"
	run -2 --separate-stderr sfn-eval -p --var 'x={' -n '$x'
	assert_equal "$stderr" "sfn-eval: invalid --var 'x': Unfinished JSON term at EOF at line 1, column 1 (while parsing '{')"
	run -2 --separate-stderr sfn-eval -p --context '[' -n '$$'
	assert_equal "$stderr" "sfn-eval: invalid --context: Unfinished JSON term at EOF at line 1, column 1 (while parsing '[')"
}

@test "--context binds \$states.context in JSONata mode" {
	run -0 --separate-stderr sfn-eval --context '{"Execution":{"Name":"e1"},"State":{"Name":"S"}}' '$states.context.Execution.Name & "/" & $states.context.State.Name & "/" & $states.input.k' <<<'{"k":"v"}'
	assert_output '"e1/S/v"'
	run -2 --separate-stderr sfn-eval --context '{' '1' </dev/null
	assert_equal "${stderr%%:*}" "sfn-eval"
}
