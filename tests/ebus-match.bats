#!/usr/bin/env bats
# ebus-match: patterns (every operator, AWS's errors), grep and bus modes,
# rules files, targets and input transformers, bad input.

load test_helper/common

F="$FIXTURES/ebus-match"

# match PATTERN EVENT: the exit status of grep mode on one event.
match() {
	printf '%s\n' "$2" | ebus-match -q -p "$1"
}

# invalid PATTERN REASON: exit 3 with AWS's message.
invalid() {
	run -3 --separate-stderr ebus-match -p "$1" /dev/null
	assert_equal "$stderr" "ebus-match: Event pattern is not valid. Reason: $2"
	assert_output ""
}

# --- grep mode -------------------------------------------------------

# Run a command with at most 20 s of CPU time: a bound that machine load
# does not move, unlike timeout(1)'s wall clock (SIGXCPU: exit 152).
cpu_bounded() {
	(ulimit -t 20 && exec "$@")
}

@test "grep mode writes matching events byte for byte" {
	printf '%s\n' '{"a" : 9007199254740993, "b":"x"}' '{"a":1}' > "$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr ebus-match -p '{"b":["x"]}' "$BATS_TEST_TMPDIR/in"
	assert_output '{"a" : 9007199254740993, "b":"x"}'
}

@test "-v inverts, -c counts, -q is quiet, exit 1 when nothing is selected" {
	printf '%s\n' '{"b":"x"}' '{"b":"y"}' '{"c":1}' > "$BATS_TEST_TMPDIR/in"
	run -0 ebus-match -v -p '{"b":["x"]}' "$BATS_TEST_TMPDIR/in"
	assert_output $'{"b":"y"}\n{"c":1}'
	run -0 ebus-match -c -p '{"b":[{"exists":true}]}' "$BATS_TEST_TMPDIR/in"
	assert_output 2
	run -0 ebus-match -q -p '{"b":["y"]}' "$BATS_TEST_TMPDIR/in"
	assert_output ""
	run -1 ebus-match -c -p '{"b":["z"]}' "$BATS_TEST_TMPDIR/in"
	assert_output 0
}

@test "-f reads the pattern from a file" {
	run -0 ebus-match -f "$F/any-source.json" "$F/ec2-event.json"
	assert_output "$(cat "$F/ec2-event.json")"
}

@test "a pattern needs exactly one of -p, -f, --rules" {
	run -2 --separate-stderr ebus-match /dev/null
	[[ "$stderr" == *"give one of -p, -f or --rules"* ]]
	run -2 --separate-stderr ebus-match -p '{"a":[1]}' -R "$F/template.json"
}

# --- operators ---------------------------------------------------------

@test "exact strings, numbers, booleans and null" {
	match '{"a":["x","y"]}' '{"a":"y"}'
	run -1 match '{"a":["x"]}' '{"a":"X"}'
	match '{"a":[""]}' '{"a":""}'
	run -1 match '{"a":[""]}' '{"a":null}'
	match '{"a":[300]}' '{"a":300.0}'
	match '{"a":[300]}' '{"a":3e2}'
	match '{"a":[-0]}' '{"a":0}'
	run -1 match '{"a":["300"]}' '{"a":300}'
	run -1 match '{"a":[300]}' '{"a":"300"}'
	match '{"a":[true]}' '{"a":true}'
	run -1 match '{"a":[true]}' '{"a":"true"}'
	match '{"a":[null]}' '{"a":null}'
	run -1 match '{"a":[null]}' '{}'
	match '{"a":["*"]}' '{"a":"*"}'
	match '{"a":[{"exactly":"x"}]}' '{"a":"x"}'
}

@test "strings that are IP addresses match every spelling" {
	match '{"ip":["10.0.0.1"]}' '{"ip":"10.00.0.1"}'
	match '{"ip":["::1"]}' '{"ip":"0:0:0:0:0:0:0:1"}'
	match '{"ip":["2001:db8::1"]}' '{"ip":"2001:DB8:0:0:0:0:0:1"}'
	run -1 match '{"ip":["10.0.0.1"]}' '{"ip":"10.0.0.2"}'
}

@test "nested objects, dotted keys and arrays" {
	match '{"detail":{"state":{"status":["running"]}}}' '{"detail":{"state.status":"running"}}'
	match '{"detail.state":["x"]}' '{"detail":{"state":"x"}}'
	match '{"r":["c"]}' '{"r":[["a"],["b",["c"]]]}'
	run -1 match '{"a":["x"]}' '{"a":"{\"x\":1}"}'
	run -1 match '{"a":{"b":["1"]}}' '{"a":"{\"b\":\"1\"}"}'
}

@test "fields inside an array of objects come from the same element" {
	e='{"e":[{"f":"Anna","l":"Smith"},{"f":"Peter","l":"Jones"}]}'
	match '{"e":{"f":["Anna"],"l":["Smith"]}}' "$e"
	match '{"e":{"f":["Peter"],"l":["Jones"]}}' "$e"
	run -1 match '{"e":{"f":["Anna"],"l":["Jones"]}}' "$e"
	e='{"a":[{"b":[{"c":1,"d":2}]},{"b":[{"c":3,"d":4}]}]}'
	match '{"a":{"b":{"c":[3],"d":[4]}}}' "$e"
	run -1 match '{"a":{"b":{"c":[1],"d":[4]}}}' "$e"
}

@test "prefix and suffix, with and without case" {
	match '{"a":[{"prefix":"us-"}]}' '{"a":"us-east-1"}'
	run -1 match '{"a":[{"prefix":"us-"}]}' '{"a":"US-east-1"}'
	match '{"a":[{"prefix":""}]}' '{"a":""}'
	run -1 match '{"a":[{"prefix":""}]}' '{"a":5}'
	match '{"a":[{"suffix":".png"}]}' '{"a":"x.png"}'
	run -1 match '{"a":[{"suffix":".png"}]}' '{"a":"x.PNG"}'
	match '{"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}' '{"a":"eventbridge"}'
	match '{"a":[{"suffix":{"equals-ignore-case":".PNG"}}]}' '{"a":"x.png"}'
}

@test "equals-ignore-case folds as Java does, asymmetrically" {
	match '{"a":[{"equals-ignore-case":"Running"}]}' '{"a":"RUNNING"}'
	run -1 match '{"a":[{"equals-ignore-case":"Running"}]}' '{"a":"RUNNING!"}'
	match '{"a":[{"equals-ignore-case":"straße"}]}' '{"a":"STRASSE"}'
	run -1 match '{"a":[{"equals-ignore-case":"STRASSE"}]}' '{"a":"straße"}'
	match '{"a":[{"equals-ignore-case":"ÉTÉ"}]}' '{"a":"été"}'
	run -1 match '{"a":[{"equals-ignore-case":"x😀"}]}' '{"a":"x😀"}'
	match '{"a":[{"equals-ignore-case":""}]}' '{"a":""}'
}

@test "anything-but: values, lists, numbers, null and missing fields" {
	match '{"a":[{"anything-but":"x"}]}' '{"a":"y"}'
	run -1 match '{"a":[{"anything-but":"x"}]}' '{"a":"x"}'
	match '{"a":[{"anything-but":"x"}]}' '{"a":null}'
	run -1 match '{"a":[{"anything-but":"x"}]}' '{"b":1}'
	run -1 match '{"a":[{"anything-but":"x"}]}' '{"a":{}}'
	match '{"a":[{"anything-but":"x"}]}' '{"a":["x","y"]}'
	match '{"a":[{"anything-but":"123"}]}' '{"a":123}'
	run -1 match '{"a":[{"anything-but":[100,300]}]}' '{"a":300.0}'
	match '{"a":[{"anything-but":[100,300]}]}' '{"a":"300"}'
	run -1 match '{"a":[{"anything-but":"10.0.0.1"}]}' '{"a":"10.0.0.1"}'
	match '{"a":[{"anything-but":"10.0.0.1"}]}' '{"a":"10.00.0.1"}'
}

@test "anything-but prefix, suffix, equals-ignore-case and wildcard" {
	match '{"a":[{"anything-but":{"prefix":"init"}}]}' '{"a":"start"}'
	run -1 match '{"a":[{"anything-but":{"prefix":"init"}}]}' '{"a":"initial"}'
	match '{"a":[{"anything-but":{"prefix":"init"}}]}' '{"a":12}'
	match '{"a":[{"anything-but":{"suffix":[".tmp",".bak"]}}]}' '{"a":"x.txt"}'
	run -1 match '{"a":[{"anything-but":{"suffix":[".tmp",".bak"]}}]}' '{"a":"x.bak"}'
	run -1 match '{"a":[{"anything-but":{"equals-ignore-case":["A","b"]}}]}' '{"a":"B"}'
	match '{"a":[{"anything-but":{"equals-ignore-case":["A","b"]}}]}' '{"a":null}'
	run -1 match '{"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}' '{"a":"/usr/lib/x"}'
	match '{"a":[{"anything-but":{"wildcard":""}}]}' '{"a":"x"}'
	run -1 match '{"a":[{"anything-but":{"wildcard":"*"}}]}' '{"a":"x"}'
}

@test "numeric: comparisons, ranges, exponents, negatives, precision" {
	match '{"a":[{"numeric":[">",0,"<=",5]}]}' '{"a":5}'
	run -1 match '{"a":[{"numeric":[">",0,"<=",5]}]}' '{"a":0}'
	run -1 match '{"a":[{"numeric":[">",0,"<=",5]}]}' '{"a":"3"}'
	run -1 match '{"a":[{"numeric":[">",0]}]}' '{"a":null}'
	match '{"a":[{"numeric":["=",300]}]}' '{"a":3.0E2}'
	match '{"a":[{"numeric":["<",-1.5]}]}' '{"a":-2e0}'
	match '{"a":[{"numeric":[">=",-1e-300]}]}' '{"a":0}'
	match '{"a":[{"numeric":[">",5e9]}]}' '{"a":1e300}'
	run -1 match '{"a":[{"numeric":["<",0.2]}]}' '{"a":0.10000000000000001}'
	run -1 match '{"a":[{"numeric":[">",0]}]}' '{"a":12345678901234567}'
	match '{"a":[0.10000000000000001]}' '{"a":0.10000000000000001}'
	match '{"acct":[123456789012345678901]}' '{"acct":123456789012345678901}'
	# a literal that underflows to 0 is not the number 0
	run -1 match '{"a":[{"numeric":["=",0]}]}' '{"a":1.0e-400}'
	match '{"a":[{"numeric":["=",0]}]}' '{"a":0e-400}'
	match '{"a":[{"numeric":[">",0,"<",1e-320]}]}' '{"a":4.9e-324}'
	# Java spells the smallest double 4.9E-324: 5e-324 is not exact
	run -1 match '{"a":[{"numeric":[">",0]}]}' '{"a":5e-324}'
}

@test "numeric: the older +-5e9 limits with --numbers=legacy" {
	run -0 ebus-match --numbers=legacy -q -p '{"a":[{"numeric":[">",1]}]}' <<<'{"a":2}'
	run -3 --separate-stderr ebus-match --numbers=legacy -p '{"a":[{"numeric":["<",6e9]}]}' /dev/null
	assert_equal "$stderr" "ebus-match: Event pattern is not valid. Reason: Value must be between -5.0E9 and 5.0E9, inclusive"
	run -3 --separate-stderr ebus-match --numbers=legacy -p '{"a":[{"numeric":[">",5e9]}]}' /dev/null
	assert_equal "$stderr" "ebus-match: Event pattern is not valid. Reason: Bottom must be less than top"
	run -1 ebus-match --numbers=legacy -q -p '{"a":[{"numeric":[">",0]}]}' <<<'{"a":6e9}'
	# six decimals: 1e-7 is 0 to the older engine, not to today's
	run -0 ebus-match --numbers=legacy -q -p '{"a":[{"numeric":["=",0]}]}' <<<'{"a":0.0000001}'
	run -1 ebus-match -q -p '{"a":[{"numeric":["=",0]}]}' <<<'{"a":0.0000001}'
	run -2 --separate-stderr ebus-match --numbers=fancy -p '{"a":[1]}' /dev/null
}

@test "exists is about leaves" {
	match '{"a":[{"exists":true}]}' '{"a":null}'
	match '{"a":[{"exists":true}]}' '{"a":""}'
	run -1 match '{"a":[{"exists":true}]}' '{"a":{}}'
	run -1 match '{"a":[{"exists":true}]}' '{"a":[]}'
	run -1 match '{"a":[{"exists":true}]}' '{"a":[{"b":1}]}'
	match '{"a":[{"exists":false}]}' '{"a":{"b":1}}'
	match '{"a":{"b":[{"exists":false}]}}' '{"c":1}'
	match '{"a":{"b":[{"exists":false}]}}' '{"a":"leaf"}'
	match '{"a":[{"exists":true},{"prefix":"x"}]}' '{"a":"y"}'
}

@test "exists:false inside arrays of objects is judged in the sibling's element" {
	e='{"e":[{"f":"Anna","l":"S"},{"f":"Peter"}]}'
	match '{"e":{"f":["Peter"],"l":[{"exists":false}]}}' "$e"
	run -1 match '{"e":{"f":["Anna"],"l":[{"exists":false}]}}' "$e"
	run -1 match '{"e":{"l":[{"exists":false}]}}' "$e"
}

@test "cidr: IPv4, IPv6, host bits, every spelling" {
	match '{"ip":[{"cidr":"10.0.0.0/24"}]}' '{"ip":"10.0.0.255"}'
	run -1 match '{"ip":[{"cidr":"10.0.0.0/24"}]}' '{"ip":"10.0.1.0"}'
	match '{"ip":[{"cidr":"10.0.0.77/24"}]}' '{"ip":"10.0.0.5"}'
	match '{"ip":[{"cidr":"0.0.0.0/0"}]}' '{"ip":"255.1.2.3"}'
	match '{"ip":[{"cidr":"2001:db8::/64"}]}' '{"ip":"2001:DB8:0:0:ffff::1"}'
	run -1 match '{"ip":[{"cidr":"2001:db8::/64"}]}' '{"ip":"2001:db9::1"}'
	run -1 match '{"ip":[{"cidr":"10.0.0.0/8"}]}' '{"ip":"10.0.0.1:80"}'
	run -1 match '{"ip":[{"cidr":"10.0.0.0/8"}]}' '{"ip":"::ffff:10.0.0.1"}'
	run -1 match '{"ip":[{"cidr":"10.0.0.0/8"}]}' '{"ip":167772161}'
	match '{"ip":[{"cidr":"10.0.0.0/8"}]}' '{"ip":"010.1.2.3"}'
}

@test "cidr: AWS's errors" {
	invalid '{"ip":[{"cidr":"10.0.0.0"}]}' "Malformed CIDR, one '/' required"
	invalid '{"ip":[{"cidr":"10.0.0.0/8/8"}]}' "Malformed CIDR, one '/' required"
	invalid '{"ip":[{"cidr":"10.0.0.0/x"}]}' "Malformed CIDR, mask bits must be an integer"
	invalid '{"ip":[{"cidr":"10.0.0.0/-1"}]}' "Malformed CIDR, mask bits must not be negative"
	invalid '{"ip":[{"cidr":"10.0.0.0/32"}]}' "IPv4 mask bits must be < 32"
	invalid '{"ip":[{"cidr":"::/128"}]}' "IPv6 mask bits must be < 128"
	invalid '{"ip":[{"cidr":"10.0.0.300/8"}]}' "Invalid IP address: 10.0.0.300"
	invalid '{"ip":[{"cidr":"host/8"}]}' "Nonstandard IP address: host"
	invalid '{"ip":[{"cidr":8}]}' "prefix match pattern must be a string"
}

@test "wildcard: globs, escapes, anchoring, linear time" {
	match '{"a":[{"wildcard":"Simple*Service"}]}' '{"a":"SimpleNotificationService"}'
	match '{"a":[{"wildcard":"*"}]}' '{"a":""}'
	run -1 match '{"a":[{"wildcard":""}]}' '{"a":"x"}'
	match '{"a":[{"wildcard":"a\\*b"}]}' '{"a":"a*b"}'
	run -1 match '{"a":[{"wildcard":"a\\*b"}]}' '{"a":"axb"}'
	match '{"a":[{"wildcard":"a\\\\b"}]}' '{"a":"a\\b"}'
	match '{"a":[{"wildcard":"a?b"}]}' '{"a":"a?b"}'
	run -1 match '{"a":[{"wildcard":"a*"}]}' '{"a":5}'
	invalid '{"a":[{"wildcard":"a**"}]}' "Consecutive wildcard characters at pos 2"
	invalid '{"a":[{"wildcard":"ab\\c"}]}' "Invalid escape character at pos 3"
	invalid '{"a":[{"wildcard":"ab\\"}]}' "Invalid escape character at pos 3"
	# a pattern of 2000 stars against a 1 MB string (no complexity limit)
	python3 -c 'print("{\"x\":\"" + "a" * 1000000 + "\"}")' > "$BATS_TEST_TMPDIR/big"
	w=$(python3 -c 'print("*a" * 1000 + "*b")')
	run -1 cpu_bounded ebus-match --wildcard-limit 0 -m 2M -q \
	    -p "{\"x\":[{\"wildcard\":\"$w\"}]}" "$BATS_TEST_TMPDIR/big"
	w=$(python3 -c 'print("*a" * 1000 + "*")')
	run -0 cpu_bounded ebus-match --wildcard-limit 0 -m 2M -q \
	    -p "{\"x\":[{\"wildcard\":\"$w\"}]}" "$BATS_TEST_TMPDIR/big"
}

@test "wildcard: AWS's complexity limit" {
	match '{"f":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}' '{"f":"/Users/me/dir/dir/dir/dir/dir/doc.txt"}'
	invalid '{"f":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}' "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"
	run -1 ebus-match --wildcard-limit 0 -q -p '{"f":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}' <<<'{"f":"x"}'
	# a 12 KB wildcard of 3000 stars is refused within a CPU second (it
	# took 2.5 s: the limit is checked as the states are explored)
	w=$(python3 -c 'import string; c = string.ascii_letters + string.digits + "!#$%&()+,-./:;<=>?@[]^_{|}~"; n = len(c); print("*".join(c[i % n] + c[i * 7 % n] + c[i * 13 % n] for i in range(3000)))')
	run -3 --separate-stderr bash -c 'ulimit -t 1 && exec "$@"' - \
	    ebus-match -p "{\"f\":[{\"wildcard\":\"*$w*\"}]}" /dev/null
	assert_equal "$stderr" "ebus-match: Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"
}

@test "\$or: branches, nesting, cross product with siblings" {
	p='{"source":["app"],"$or":[{"a":["1"]},{"b":[{"exists":true}]}]}'
	match "$p" '{"source":"app","b":0}'
	match "$p" '{"source":"app","a":"1"}'
	run -1 match "$p" '{"source":"other","a":"1"}'
	run -1 match "$p" '{"source":"app","a":"2"}'
	p='{"d":{"$or":[{"x":[1]},{"$or":[{"y":[2]},{"z":[3]}]}]}}'
	match "$p" '{"d":{"z":3}}'
	run -1 match "$p" '{"d":{"z":4}}'
	invalid '{"$or":[{"a":["1"]}]}' 'There must have at least 2 Objects in $or relationship.'
	invalid '{"$or":{"a":["1"]}}' 'It must be an Array followed with $or.'
	invalid '{"$or":[{"a":["1"]},"b"]}' 'Only JSON object is allowed in array of $or relationship.'
	invalid '{"$or":[{"a":["1"]},{"numeric":[1]}]}' 'numeric is Ruler reserved fieldName which cannot be used inside $or.'
	invalid '{"$or":[{"a":["1"]},{}]}' 'Empty objects are not allowed'
	p=$(python3 -c 'import json; print(json.dumps({"f%d" % i: {"$or": [{"a": [1]}, {"b": [1]}]} for i in range(11)}))')
	invalid "$p" 'Rule is too complex - try using fewer $or combinations (more than 1024)'
}

@test "duplicate keys: patterns override per path, events keep every value" {
	match '{"a":{"b":["x"]},"a":{"c":["y"]}}' '{"a":{"b":"x","c":"y"}}'
	run -1 match '{"a":{"b":["x"]},"a":{"c":["y"]}}' '{"a":{"b":"x"}}'
	match '{"a":{"b":["x"]},"a.b":["y"]}' '{"a":{"b":"y"}}'
	match '{"a":["x"]}' '{"a":"x","a":"y"}'
	match '{"a":["y"]}' '{"a":"x","a":"y"}'
}

@test "invalid patterns give AWS's reasons" {
	invalid '["a"]' 'Filter is not an object'
	invalid '"x"' 'Filter is not an object'
	invalid '{}' 'Empty objects are not allowed'
	invalid '{"a":"x"}' '"a" must be an object or an array'
	invalid '{"a":[]}' 'Empty arrays are not allowed'
	invalid '{"a":[["x"]]}' 'Match value must be String, number, true, false, or null'
	invalid '{"a":[{}]}' 'Match expression name not found'
	invalid '{"a":[{"regex":"x"}]}' 'Unrecognized match type regex'
	invalid '{"a":[{"prefix":"x","suffix":"y"}]}' 'Only one key allowed in match expression'
	invalid '{"a":[{"prefix":["x"]}]}' 'prefix match pattern must be a string'
	invalid '{"a":[{"prefix":{"x":"y"}}]}' 'Unsupported prefix pattern: x'
	invalid '{"a":[{"suffix":{"equals-ignore-case":1}}]}' 'equals-ignore-case match pattern must be a string'
	invalid '{"a":[{"exists":"yes"}]}' 'exists match pattern must be either true or false.'
	invalid '{"a":[{"numeric":5}]}' 'Value of numeric must be an array.'
	invalid '{"a":[{"numeric":[]}]}' 'Invalid member in numeric match: ]'
	invalid '{"a":[{"numeric":["!=",5]}]}' 'Unrecognized numeric range operator: !='
	invalid '{"a":[{"numeric":["=","5"]}]}' 'Value of equals must be numeric'
	invalid '{"a":[{"numeric":["<",10,">",0]}]}' 'Too many elements in numeric expression'
	invalid '{"a":[{"numeric":[">",0,"<",10,"<",5]}]}' 'Too many terms in numeric range expression'
	invalid '{"a":[{"numeric":[">",10,"<",0]}]}' 'Bottom must be less than top'
	invalid '{"a":[{"numeric":[">=",5,"<=",5]}]}' 'Bottom must be less than top'
	invalid '{"a":[{"numeric":[">",0.30000000000000001]}]}' 'Cannot compare number : 0.30000000000000001'
	invalid '{"a":[{"anything-but":null}]}' 'Value of anything-but must be an array or single string/number value.'
	invalid '{"a":[{"anything-but":[]}]}' 'Inside anything but list, either all values are number or string, mixed type is not supported'
	invalid '{"a":[{"anything-but":["a",1]}]}' 'Inside anything but list, either all values are number or string, mixed type is not supported'
	invalid '{"a":[{"anything-but":{"exists":true}}]}' 'Unsupported anything-but pattern: exists'
	invalid '{"a":[{"anything-but":{"prefix":"a","suffix":"b"}}]}' 'Too many elements in numeric expression'
	invalid '{"a":[{"anything-but":{"prefix":[]}}]}' 'Empty arrays are not allowed'
	invalid '{"a":[{"anything-but":[12345678901234567]}]}' 'Cannot compare number : 12345678901234567'
	invalid '{"a":[{"equals-ignore-case":5}]}' 'equals-ignore-case match pattern must be a string'
	invalid '{"a":[{"exactly":5}]}' 'exact match pattern must be a string'
	invalid '{"a":[x]}' "Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
	invalid "{'a':[1]}" "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
	invalid '{"a" 1}' "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value"
	invalid '{"a":[1 2]}' "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries"
	invalid '{"a":[1],}' "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"
	invalid '{"a":[1]' 'Unexpected end-of-input: expected close marker for Object'
}

@test "the first problem in document order is the one reported" {
	invalid '{"a":5, "b":[' '"a" must be an object or an array'
	invalid '{"a":[{"prefix":1}], "b":"x"}' 'prefix match pattern must be a string'
}

# --- bus mode ------------------------------------------------------------

@test "--rules -c: one count per rule in file order, DISABLED rules count 0" {
	run -0 ebus-match --rules "$F/template.json" -c "$F/orders.ndjson"
	assert_output $'EUOrdersRule\t1\nOrdersDevRule\t3\nOldRule\t0'
}

@test "--rules writes each matched event once; -H names the rules" {
	run -0 ebus-match --rules "$F/template.json" "$F/orders.ndjson"
	assert_output "$(cat "$F/orders.ndjson")"
	run -0 ebus-match --rules "$F/template.json" -H "$F/orders.ndjson"
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "EUOrdersRule OrdersDevRule OrdersDevRule OrdersDevRule "
	assert_equal "$(sed -n 4p <<<"$output" | cut -f2-)" "$(sed -n 3p "$F/orders.ndjson")"
}

@test "--rules: rules found through the exact-value index match as before, in rule order" {
	# arrays, 5 / 5.0 / 5e0 / "5", \$or with an unindexable branch, IP
	# spellings, anything-but, exists, null, one array element, values
	# given twice, numeric =, rules with no exact value at all
	run -0 --separate-stderr ebus-match --rules "$F/index-rules.ndjson" -H "$F/index-events.ndjson"
	assert_equal "$(jq -rR 'split("\t") | .[0] + " " + (.[1] | fromjson | .id)' <<<"$output")" "r01-tag-in-array 1
r02-prefix-only 1
r03-num-5 1
r04-num-5.0 1
r09-exact-and-absent 1
r11-ignore-case 1
r13-two-values 1
r14-numeric-eq 1
r05-string-5 2
r06-or 2
r07-anything-but 2
r08-ip 2
r11-ignore-case 2
r15-exists 2
r02-prefix-only 3
r03-num-5 3
r04-num-5.0 3
r09-exact-and-absent 3
r10-same-element 3
r12-null 3
r13-two-values 3
r14-numeric-eq 3
r15-exists 3
r01-tag-in-array 4
r04-num-5.0 4
r07-anything-but 4
r16-range-only 4"
	assert_equal "$stderr" ""
	run -0 ebus-match --rules "$F/index-rules.ndjson" -c "$F/index-events.ndjson"
	assert_output "$(printf '%s\t%s\n' r01-tag-in-array 2 r02-prefix-only 2 r03-num-5 2 r04-num-5.0 3 r05-string-5 1 r06-or 1 r07-anything-but 2 r08-ip 1 r09-exact-and-absent 2 r10-same-element 1 r11-ignore-case 2 r12-null 1 r13-two-values 2 r14-numeric-eq 2 r15-exists 2 r16-range-only 1)"
	run -1 ebus-match --rules "$F/index-rules.ndjson" -v "$F/index-events.ndjson"
	assert_output ""
}

@test "--rules: 2,000 rules on one path, each found by its own value" {
	awk 'BEGIN { for (i = 0; i < 2000; i++)
		printf "{\"Name\":\"r%d\",\"EventPattern\":\"{\\\"detail\\\":{\\\"n\\\":[%d]},\\\"source\\\":[\\\"s%d\\\",\\\"all\\\"]}\"}\n", i, i % 1000, i % 7 }' > "$BATS_TEST_TMPDIR/rules"
	printf '{"detail-type":"t","source":"all","detail":{"n":%s}}\n' 999 7.0e2 -0 > "$BATS_TEST_TMPDIR/events"
	run -0 ebus-match --rules "$BATS_TEST_TMPDIR/rules" -H "$BATS_TEST_TMPDIR/events"
	assert_equal "$(cut -f1 <<<"$output" | paste -sd' ')" "r999 r1999 r700 r1700 r0 r1000"
	printf '{"detail-type":"t","source":"s3","detail":{"n":[3,10]}}\n' > "$BATS_TEST_TMPDIR/events"
	run -0 ebus-match --rules "$BATS_TEST_TMPDIR/rules" -H "$BATS_TEST_TMPDIR/events"
	assert_equal "$(cut -f1 <<<"$output" | paste -sd' ')" "r3 r10"
}

@test "--bus keeps one bus's rules; rules read as JSON array, NDJSON and list-rules" {
	run -0 ebus-match --rules "$F/template.json" -b Orders -c "$F/orders.ndjson"
	assert_output $'EUOrdersRule\t1\nOrdersDevRule\t3\nOldRule\t0'
	run -1 ebus-match --rules "$F/template.json" -b default -c "$F/orders.ndjson"
	assert_output ""
	printf '%s\n' '{"Name":"a","EventPattern":"{\"detail\":{\"value\":[{\"numeric\":[\">\",1000]}]}}"}' \
	    '{"Name":"b","EventPattern":{"source":["com.aws.payments"]}}' > "$BATS_TEST_TMPDIR/r.ndjson"
	run -0 ebus-match --rules "$BATS_TEST_TMPDIR/r.ndjson" -c "$F/orders.ndjson"
	assert_output $'a\t1\nb\t1'
	jq -s '{Rules: .}' "$BATS_TEST_TMPDIR/r.ndjson" > "$BATS_TEST_TMPDIR/list.json"
	run -0 ebus-match --rules "$BATS_TEST_TMPDIR/list.json" -c "$F/orders.ndjson"
	assert_output $'a\t1\nb\t1'
	jq -s . "$BATS_TEST_TMPDIR/r.ndjson" > "$BATS_TEST_TMPDIR/arr.json"
	run -0 ebus-match --rules "$BATS_TEST_TMPDIR/arr.json" -c "$F/orders.ndjson"
	assert_output $'a\t1\nb\t1'
}

@test "a rule's invalid pattern, name or target is exit 3 with AWS's message" {
	r="$BATS_TEST_TMPDIR/r.json"
	echo '[{"Name":"ok","EventPattern":{"a":[1]}},{"Name":"bad","EventPattern":{"a":[]}}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: bad: Event pattern is not valid. Reason: Empty arrays are not allowed"
	echo '[{"Name":"has space","EventPattern":{"a":[1]}}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: rule 1: 1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
	echo '[{"Name":"r","EventPattern":{"a":[1]},"Targets":[{"Id":"t","Arn":"x","Input":"{}","InputPath":"$"}]}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: r: Only one of Input, InputPath, or InputTransformer must be provided for target t."
	echo '[{"Name":"r","EventPattern":{"a":[1]},"Targets":[{"Id":"t","Arn":"x","RetryPolicy":{"MaximumRetryAttempts":186}}]}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: r: target t: MaximumRetryAttempts must be an integer from 0 to 185"
	echo '[{"Name":"r","EventPattern":{"a":[1]},"Targets":[{"Id":"t","Arn":"x"},{"Id":"t","Arn":"y"}]}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: r: target Id t is used twice"
	jq -n '[{Name: "r", EventPattern: {a: [1]}, Targets: [range(6) | {Id: "t\(.)", Arn: "x"}]}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: r: a rule can have at most 5 targets"
	echo '[{"Name":"r","EventPattern":{"a":[1]},"Targets":[{"Id":"bad id","Arn":"x"}]}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: r: 1 validation error detected: Value at 'targets.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
	echo '[{"Name":"r","EventPattern":{"a":[1]},"State":"ON"}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	echo '[{"Name":"r"}]' > "$r"
	run -3 --separate-stderr ebus-match --rules "$r" /dev/null
	assert_equal "$stderr" "ebus-match: $r: r: Parameter(s) EventPattern or ScheduleExpression must be specified."
	run -2 --separate-stderr ebus-match --rules "$BATS_TEST_TMPDIR/none" /dev/null
}

@test "targets: --target sends each target its input, once per matching rule" {
	r="$BATS_TEST_TMPDIR/r.json"
	cat > "$r" <<'EOF'
[{"Name":"r1","EventPattern":{"source":["aws.ec2"]},
  "Targets":[{"Id":"whole","Arn":"arn:aws:lambda:us-east-1:123456789012:function:q"},
             {"Id":"fixed","Arn":"arn:aws:lambda:us-east-1:123456789012:function:q","Input":"{ \"a\" : 1 }"},
             {"Id":"path","Arn":"arn:aws:lambda:us-east-1:123456789012:function:q","InputPath":"$.detail"},
             {"Id":"scalar","Arn":"arn:aws:lambda:us-east-1:123456789012:function:q","InputPath":"$.detail.state"}]},
 {"Name":"r2","EventPattern":{"detail":{"state":["RUNNING"]}},
  "Targets":[{"Id":"path","Arn":"arn:aws:lambda:us-east-1:123456789012:function:f","InputPath":"$.resources"}]}]
EOF
	run -0 ebus-match --rules "$r" -t whole=- "$F/ec2-event.json"
	assert_output "$(cat "$F/ec2-event.json")"
	run -0 ebus-match --rules "$r" -t fixed=- "$F/ec2-event.json"
	assert_output '{"a":1}'
	run -0 ebus-match --rules "$r" -t path=- -t scalar=- "$F/ec2-event.json"
	assert_output $'{"instance-id":"i-0123456789","state":"RUNNING"}\n"RUNNING"\n["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789"]'
	run -0 ebus-match --rules "$r" -t r2/path=- "$F/ec2-event.json"
	assert_output '["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789"]'
	run -0 ebus-match --rules "$r" -t fixed="$BATS_TEST_TMPDIR/out" "$F/ec2-event.json"
	assert_output "$(cat "$F/ec2-event.json")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" '{"a":1}'
	run -2 --separate-stderr ebus-match --rules "$r" -t nosuch=- "$F/ec2-event.json"
	assert_equal "$stderr" "ebus-match: --target nosuch: no rule has this target"
}

# transformer TEMPLATE: deliver the account event through one transformer.
transformer() {
	jq -n --arg t "$1" '[{Name: "r1", EventPattern: {source: ["core.update-account-command"]},
	    Targets: [{Id: "t1", Arn: "arn:aws:lambda:us-east-1:123456789012:function:q",
	    InputTransformer: {InputPathsMap: {userId: "$.detail.payload.acc_id",
	    payload: "$.detail.payload", systemstring: "$.detail.awsAccountId",
	    listsingle: "$.detail.listsingle", listmulti: "$.detail.listmulti",
	    valid: "$.detail.valid", "detail-type": "$.detail-type",
	    timestamp: "$.time", command: "$.detail.nosuch"},
	    InputTemplate: $t}}]}]' > "$BATS_TEST_TMPDIR/t.json"
	ebus-match --rules "$BATS_TEST_TMPDIR/t.json" -t t1=- \
	    -d "$BATS_TEST_TMPDIR/dlq" "$F/account-event.json"
}

@test "input transformer: every recorded row of reference 3.2" {
	run -0 transformer '{"id" : <userId>}'
	assert_output '{"id" : "0a787ecb-4015"}'
	run -0 transformer '{"id" : "<userId>"}'
	assert_output '{"id" : "0a787ecb-4015"}'
	run -0 transformer '{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}'
	assert_output '{"method": "PUT", "path": "users-service/users/0a787ecb-4015", "bod": {"acc_id":"0a787ecb-4015","sf_id":"baz"}}'
	run -0 transformer '{"method": "PUT", "bod": [<userId>, "hardcoded"]}'
	assert_output '{"method": "PUT", "bod": ["0a787ecb-4015", "hardcoded"]}'
	run -0 transformer '{"singlelistitem": <listsingle>}'
	assert_output '{"singlelistitem": ["HIGH"]}'
	run -0 transformer '{"multi_replacement": "users/<userId>/second/<userId>"}'
	assert_output '{"multi_replacement": "users/0a787ecb-4015/second/0a787ecb-4015"}'
	run -0 transformer '"Payload of <payload> with path users-service/users/<userId> and <userId>"'
	assert_output '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path users-service/users/0a787ecb-4015 and 0a787ecb-4015"'
	run -0 transformer '"<listsingle> single list item"'
	assert_output '"[HIGH] single list item"'
	run -0 transformer '"<listmulti> multiple list items"'
	assert_output '"[ACTIVE,INACTIVE] multiple list items"'
	run -0 transformer '"This is <systemstring> system account id"'
	assert_output '"This is  system account id"'
	run -0 transformer '"Command is <valid>!"'
	assert_output '"Command is true!"'
	run -0 transformer '{"detailType": <detail-type>, "time": <timestamp>, "command": <command>}'
	assert_output '{"detailType": "core.update-account-command", "time": "2024-01-01T12:00:00Z", "command": ""}'
	run -0 transformer '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}'
	assert_output "{\"originalEvent\": {\"id\":\"e1\",\"account\":\"123456789012\",\"detailType\":\"core.update-account-command\",\"time\":\"2024-01-01T12:00:00Z\",\"source\":\"core.update-account-command\",\"region\":\"us-east-1\",\"resources\":[],\"version\":\"0\"}, \"originalEventJson\": $(cat "$F/account-event.json")}"
	run -0 transformer '"<aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"'
	assert_output '"arn:aws:events:us-east-1:123456789012:rule/r1 r1 2024-01-01T12:00:00Z"'
}

@test "input transformer: objects in quotes go to the dead-letter file" {
	for t in '{"payload": "<payload>"}' '{"singlelistitem": "<listsingle>"}' \
	    '{"not_valid": "users-service/users/<payload>", "a": 1}'; do
		run -0 transformer "$t"
		assert_output ""
		run -0 jq -c '.attributes' "$BATS_TEST_TMPDIR/dlq"
		assert_output '{"RULE_ARN":"arn:aws:events:us-east-1:123456789012:rule/r1","TARGET_ARN":"arn:aws:lambda:us-east-1:123456789012:function:q","ERROR_CODE":"INVALID_JSON","ERROR_MESSAGE":"The target input is not valid JSON","RETRY_ATTEMPTS":"0"}'
		assert_equal "$(jq -c .body "$BATS_TEST_TMPDIR/dlq")" "$(cat "$F/account-event.json")"
	done
	# without --dead-letter: reported, exit 1
	jq -n '[{Name: "r1", EventPattern: {source: ["core.update-account-command"]},
	    Targets: [{Id: "t1", Arn: "a", InputTransformer: {InputPathsMap:
	    {p: "$.detail.payload"}, InputTemplate: "{\"x\": \"<p>\"}"}}]}]' > "$BATS_TEST_TMPDIR/t.json"
	run -1 --separate-stderr ebus-match --rules "$BATS_TEST_TMPDIR/t.json" -t t1=- "$F/account-event.json"
	assert_equal "$stderr" "ebus-match: $F/account-event.json:1: rule r1, target t1: not delivered: The target input is not valid JSON"
}

@test "an event nested over 256 levels is not delivered to a transformer or InputPath target" {
	# libjq reads 256 levels at most: such a target input cannot be built
	# (this aborted before: found by tests/fuzz/transform)
	ev="$BATS_TEST_TMPDIR/deep.json"
	printf '{"source":"s","detail":{"x":%s%s}}\n' \
	    "$(printf '[%.0s' $(seq 300))" "$(printf ']%.0s' $(seq 300))" > "$ev"
	jq -n '[{Name: "r1", EventPattern: {source: ["s"]}, Targets: [
	    {Id: "t1", Arn: "a", InputTransformer: {InputPathsMap: {s: "$.source"},
	    InputTemplate: "{\"e\": <aws.events.event>, \"s\": <s>}"}},
	    {Id: "t2", Arn: "b", InputPath: "$.source"},
	    {Id: "t3", Arn: "c"}]}]' > "$BATS_TEST_TMPDIR/t.json"
	run -1 --separate-stderr ebus-match --rules "$BATS_TEST_TMPDIR/t.json" \
	    -t t1=- -t t2=- -t t3="$BATS_TEST_TMPDIR/t3" "$ev"
	assert_output ""
	assert_equal "$stderr" "ebus-match: $ev:1: rule r1, target t1: not delivered: The event is nested too deeply to be read (256 levels at most)
ebus-match: $ev:1: rule r1, target t2: not delivered: The event is nested too deeply to be read (256 levels at most)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/t3")" "$(cat "$ev")"
	run -0 ebus-match --rules "$BATS_TEST_TMPDIR/t.json" -t t1=- \
	    -d "$BATS_TEST_TMPDIR/dlq" "$ev"
	assert_output ""
	# (jq cannot read the record: its body is the event)
	run -0 grep -o '"ERROR_CODE":.*"RETRY' "$BATS_TEST_TMPDIR/dlq"
	assert_output '"ERROR_CODE":"INVALID_JSON","ERROR_MESSAGE":"The event is nested too deeply to be read (256 levels at most)","RETRY'
}

@test "input transformer: undefined placeholders are rejected when the rules load" {
	run -3 --separate-stderr transformer '"Command is <notdefinedkey>"'
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/t.json: r1: InputTemplate for target t1 contains invalid placeholder notdefinedkey."
}

@test "CloudWatch Logs target without a transformer receives the event itself" {
	run -0 ebus-match --rules "$F/template.json" -t OrdersLogs=- "$F/orders.ndjson"
	assert_output "$(cat "$F/orders.ndjson")"
}

@test "the documented EC2 template examples" {
	r="$BATS_TEST_TMPDIR/ec2.json"
	mk() {
		jq -n --arg t "$1" '[{Name: "example", EventPattern: {source: ["aws.ec2"]},
		    Targets: [{Id: "t", Arn: "a", InputTransformer: {InputPathsMap:
		    {timestamp: "$.time", instance: "$.detail.instance-id",
		    state: "$.detail.state", resource: "$.resources[0]"},
		    InputTemplate: $t}}]}]' > "$r"
		ebus-match --rules "$r" -t t=- "$F/ec2-event.json"
	}
	run -0 mk '"instance <instance> is in <state>"'
	assert_output '"instance i-0123456789 is in RUNNING"'
	run -0 mk '"instance \"<instance>\" is in <state>"'
	assert_output '"instance \"i-0123456789\" is in RUNNING"'
	run -0 mk '{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}'
	assert_output '{"instance" : "i-0123456789", "state": [ 9, "RUNNING", true ], "Transformed" : "Yes"}'
	run -0 mk '"<aws.events.rule-name> triggered by <resource>"'
	assert_output '"example triggered by arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789"'
}

@test "--explain says which field and condition failed" {
	run -0 ebus-match --rules "$F/template.json" --explain "$F/orders.ndjson"
	assert_equal "$(sed -n 4p <<<"$output")" '{"location":"'"$F"'/orders.ndjson","line":2,"rule":"EUOrdersRule","match":false,"failed":[{"field":"detail.location","condition":[{"prefix":"eu-"}],"found":["us-east"]}]}'
	run -1 ebus-match -e -p '{"a":{"b":["y"]},"$or":[{"c":[1]},{"d":[2]}]}' <<<'{"a":{"b":"y"},"c":2}'
	assert_output '{"location":"<stdin>","line":1,"rule":null,"match":false,"failed":[{"field":"c","condition":[1],"found":[2]},{"field":"d","condition":[2],"found":[]}]}'
}

# --- bad input ----------------------------------------------------------------

@test "a malformed event is a located error, exit 4; -k keeps the others" {
	printf '%s\n' '{"a":1}' '{"a":' '{"a":2}' > "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr ebus-match -p '{"a":[{"exists":true}]}' "$BATS_TEST_TMPDIR/in"
	assert_output '{"a":1}'
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/in:2: invalid event: unexpected end of input at byte 6"
	run -4 --separate-stderr ebus-match -k -p '{"a":[{"exists":true}]}' "$BATS_TEST_TMPDIR/in"
	assert_output $'{"a":1}\n{"a":2}'
}

@test "events over 256 KB are malformed unless -m allows them" {
	python3 -c 'print("{\"x\":\"" + "a" * 262200 + "\"}")' > "$BATS_TEST_TMPDIR/big"
	run -4 --separate-stderr ebus-match -c -p '{"x":[{"exists":true}]}' "$BATS_TEST_TMPDIR/big"
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/big:1: record exceeds 262144 bytes"
	run -0 ebus-match -m 1M -c -p '{"x":[{"exists":true}]}' "$BATS_TEST_TMPDIR/big"
	assert_output 1
	run -2 --separate-stderr ebus-match -m 9M -p '{"x":[1]}' /dev/null
}

@test "invalid UTF-8, NUL bytes, non-objects and oversized lines" {
	printf '{"a":"\xff"}\n{"a":"x\0y"}\n[1]\n{"a":1} x\n{"a":"%0300d"}\n{"a":3}\n' 0 > "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr ebus-match -k -m 200 -p '{"a":[{"exists":true}]}' "$BATS_TEST_TMPDIR/in"
	assert_output '{"a":3}'
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/in:1: invalid UTF-8 at byte 7
ebus-match: $BATS_TEST_TMPDIR/in:2: invalid event: NUL byte in string at byte 8
ebus-match: $BATS_TEST_TMPDIR/in:3: invalid event: event is not a JSON object at byte 1
ebus-match: $BATS_TEST_TMPDIR/in:4: invalid event: unexpected data after the JSON object at byte 9
ebus-match: $BATS_TEST_TMPDIR/in:5: record exceeds 200 bytes"
}

@test "an oversized line is dropped as it is read, never taken for a document" {
	# A lone "{" starts a pretty-printed document, but not when blanks
	# make the line too long: the next event stays an event of its own.
	python3 -c 'import sys; sys.stdout.write("{" + " " * 300000 + "\n" + "x" * 20000000 + "\n{\"a\":1}\n")' > "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr ebus-match -k -c -p '{"a":[1]}' "$BATS_TEST_TMPDIR/in"
	assert_output 1
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/in:1: record exceeds 262144 bytes
ebus-match: $BATS_TEST_TMPDIR/in:2: record exceeds 262144 bytes"
}

@test "100,000 levels of nesting cost no stack" {
	python3 -c 'print("{\"x\":1,\"d\":" + "[" * 100000 + "]" * 100000 + "}")' > "$BATS_TEST_TMPDIR/deep"
	python3 -c 'print("{\"d\":" + "{\"d\":" * 100000 + "1" + "}" * 100000 + ",\"x\":1}")' >> "$BATS_TEST_TMPDIR/deep"
	run -0 ebus-match -m 1M -c -p '{"x":[1]}' "$BATS_TEST_TMPDIR/deep"
	assert_output 2
	python3 -c 'print("{\"d\":" + "[" * 100000 + "]" * 99999 + "}")' > "$BATS_TEST_TMPDIR/bad"
	run -4 --separate-stderr ebus-match -c -p '{"x":[1]}' "$BATS_TEST_TMPDIR/bad"
	assert_equal "$stderr" "ebus-match: $BATS_TEST_TMPDIR/bad:1: invalid event: expected ',' or ']' at byte 200005"
}

@test "escaped keys and strings are decoded before matching" {
	match '{"a":["é\"x"]}' '{"\u0061":"\u00e9\"x"}'
	match '{"a":["😀"]}' '{"a":"\ud83d\ude00"}'
	match '{"a.b":["x"]}' '{"a\u002eb":"x"}'
}

@test "a pretty-printed event is matched and written on one line" {
	printf '{\n  "a": 9007199254740993,\n  "b": [ "x", 2 ]\n}\n{"a":2}\n' > "$BATS_TEST_TMPDIR/in"
	run -0 ebus-match -p '{"b":["x"]}' "$BATS_TEST_TMPDIR/in"
	assert_output '{"a":9007199254740993,"b":["x",2]}'
}

@test "CloudWatch Logs target with a transformer: only the timestamp/message template" {
	r="$BATS_TEST_TMPDIR/logs.json"
	mk() {
		jq -n --arg t "$1" '[{Name: "r", EventPattern: {source: ["aws.ec2"]},
		    Targets: [{Id: "logs", Arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/ec2",
		    InputTransformer: {InputPathsMap: {timestamp: "$.time", message: "$.detail.state"},
		    InputTemplate: $t}}]}]' > "$r"
		ebus-match --rules "$r" -t logs=- "$F/ec2-event.json"
	}
	run -0 mk '{"timestamp" : <timestamp>, "message": <message>}'
	assert_output '{"timestamp" : "2015-11-11T21:29:54Z", "message": "RUNNING"}'
	run -3 --separate-stderr mk '{"message": <message>}'
	assert_equal "$stderr" "ebus-match: $r: r: InputTemplate for target logs must be {\"timestamp\":<timestamp>,\"message\":<message>} for a CloudWatch Logs target."
}

@test "unrelated arrays do not multiply the search (array consistency stays fast)" {
	python3 -c 'import json; n = 1000; print(json.dumps({"b": [1] * n, "c": [1] * n, "x": [{"a": 1, "d": 3}] * n + [{"d": 2}]}))' > "$BATS_TEST_TMPDIR/adv"
	run -1 cpu_bounded ebus-match -c -p '{"x":{"a":[1],"d":[2]},"b":[1],"c":[1]}' "$BATS_TEST_TMPDIR/adv"
	assert_output 0
	run -0 cpu_bounded ebus-match -c -p '{"x":{"d":[2]},"b":[1],"c":[1]}' "$BATS_TEST_TMPDIR/adv"
	assert_output 1
	# 17,000 elements: each one's sibling is found directly
	python3 -c 'import json; print(json.dumps({"x": [{"a": 1, "d": 3}] * 17000 + [{"a": 2, "d": 2}]}, separators=(",", ":")))' > "$BATS_TEST_TMPDIR/adv2"
	run -1 cpu_bounded ebus-match -c -p '{"x":{"a":[1],"d":[2]}}' "$BATS_TEST_TMPDIR/adv2"
	assert_output 0
	run -0 cpu_bounded ebus-match -c -p '{"x":{"a":[2],"d":[2]}}' "$BATS_TEST_TMPDIR/adv2"
	assert_output 1
}
