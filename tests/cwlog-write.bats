#!/usr/bin/env bats
# cwlog-write: the store's layout, the CloudWatch Logs target's rules,
# PutLogEvents rejections, names, concurrency and faults.

load test_helper/common

F="$FIXTURES/cwlog-write"

setup() {
	ST="$BATS_TEST_TMPDIR/store"
}

# The records of stream $2 in group directory $1, each as jq -c gives it
# without the stream's name.
recs() {
	cat "$1"/seg-*.ndjson | jq -c --arg s "$2" \
	    'select(.logStreamName == $s) | del(.logStreamName)'
}
export -f recs

@test "an EventBridge event is logged as the CloudWatch Logs target logs it" {
	run -0 --separate-stderr cwlog-write --store "$ST" \
	    --log-group /aws/events/orders "$F/events.ndjson"
	assert_output ""
	run -0 bash -c "cd '$ST' && find . -type f | LC_ALL=C sort"
	assert_output "$(cat "$F/events.files")"
	cat "$ST"/%2Faws%2Fevents%2Forders/{index,seg-00000001}.ndjson \
	    > "$BATS_TEST_TMPDIR/got"
	diff -u "$F/events.store" "$BATS_TEST_TMPDIR/got"
	# The message is the event's own bytes, digits included.
	run -0 bash -c "cat '$ST'/%2Faws%2Fevents%2Forders/seg-*.ndjson |
	    jq -r .message | sort"
	assert_output "$(sort "$F/events.ndjson")"
}

@test "the same event always goes to the same stream" {
	run -0 cwlog-write --store "$ST" -g g "$F/events.ndjson"
	run -0 cwlog-write --store "$ST" -g g "$F/events.ndjson"
	run -0 bash -c "cwlog-tail --store '$ST' --list-streams g |
	    jq -c .eventCount"
	assert_output "$(printf '2\n2')"
}

@test "a pretty-printed event is logged as compact JSON" {
	run -0 cwlog-write --store "$ST" -g g -n s "$F/pretty.json"
	run -0 bash -c "recs '$ST/g' s | jq -r .message"
	assert_output "$(head -n 1 "$F/events.ndjson")"
}

@test "--log-stream puts every event in one stream" {
	run -0 cwlog-write --store "$ST" -g g --log-stream orders \
	    "$F/events.ndjson"
	run -0 ls -A "$ST/g"
	assert_output "$(printf '.group\nindex.ndjson\nseg-00000001.ndjson')"
	run -0 recs "$ST/g" orders
	assert_line --index 0 --partial '{"timestamp":1704110340000,"ingestionTime":1704110400000,'
	assert_line --index 1 --partial '{"timestamp":1704110341000,"ingestionTime":1704110400000,'
}

@test "other lines are stamped with the current time in stream cwlog-write" {
	printf '%s\n' 'plain text' '{"a":1}' '"a string"' 'tab	and "quote"' |
	    cwlog-write --store "$ST" -g app
	run -0 cat "$ST/app/seg-00000001.ndjson"
	assert_output '{"logStreamName":"cwlog-write","timestamp":1704110400000,"ingestionTime":1704110400000,"message":"plain text"}
{"logStreamName":"cwlog-write","timestamp":1704110400000,"ingestionTime":1704110400000,"message":"{\"a\":1}"}
{"logStreamName":"cwlog-write","timestamp":1704110400000,"ingestionTime":1704110400000,"message":"\"a string\""}
{"logStreamName":"cwlog-write","timestamp":1704110400000,"ingestionTime":1704110400000,"message":"tab\tand \"quote\""}'
	run -0 cat "$ST/app/index.ndjson"
	assert_output '{"logStreamName":"cwlog-write","creationTime":1704110400000,"firstEventTimestamp":1704110400000,"lastEventTimestamp":1704110400000,"lastIngestionTime":1704110400000,"storedBytes":453,"eventCount":4,"segment":1}'
}

@test "--timestamp-field takes ms or RFC 3339 times, dotted paths too" {
	printf '%s\n' '{"t":1704110400123}' '{"t":"2024-01-01T11:00:00.5Z"}' \
	    '{"m":{"t":"2024-01-01T10:00:00+01:00"}}' |
	    sed '3s/"m"/"t":null,"m"/' > "$BATS_TEST_TMPDIR/in"
	run -0 cwlog-write --store "$ST" -g g -n s -f t \
	    <(head -n 2 "$BATS_TEST_TMPDIR/in")
	run -0 cwlog-write --store "$ST" -g g -n s \
	    --timestamp-field m.t <(tail -n 1 "$BATS_TEST_TMPDIR/in")
	run -0 bash -c "recs '$ST/g' s | jq -c .timestamp"
	assert_output "$(printf '1704110400123\n1704106800500\n1704099600000')"
}

@test "a record without the timestamp field is malformed (4), located" {
	run -4 --separate-stderr cwlog-write --store "$ST" -g g -n s -f t \
	    <<<'{"x":1}'
	assert_equal "$stderr" "cwlog-write: <stdin>:1: no usable timestamp field 't'"
}

@test "PutLogEvents rejections are reported per record, the rest written (1)" {
	run -1 --separate-stderr cwlog-write --store "$ST" -g g -n s -f t \
	    "$F/times.ndjson"
	assert_equal "$stderr" "$(sed "s|FILE|$F/times.ndjson|" "$F/times.err")"
	run -0 bash -c "recs '$ST/g' s | jq -r .message"
	assert_output "$(printf '%s\n' '{"t":"2024-01-01T14:00:00Z","ok":1}' \
	    '{"t":"2023-12-18T12:00:00Z","ok":2}' '{"t":"2024-01-01T12:00:00Z","ok":3}')"
}

@test "events older than the group's retention are rejected as expired" {
	run -0 cwlog-write --store "$ST" -g g --retention-days 3 </dev/null
	run -0 cat "$ST/g/.group"
	assert_output '{"logGroupName":"g","creationTime":1704110400000,"retentionInDays":3}'
	run -1 --separate-stderr cwlog-write --store "$ST" -g g -n s -f t \
	    <<<'{"t":"2023-12-29T11:59:59Z"}'
	assert_equal "$stderr" "cwlog-write: <stdin>:1: log event rejected (rejectedLogEventsInfo.expiredLogEventEndIndex: 1): timestamp 2023-12-29T11:59:59.000Z: log event timestamp is older than the log group's retention period (--old-events now stores it)"
}

@test "--old-events keep stores old events with their time, now re-stamps them" {
	old='{"version":"0","id":"1","detail-type":"Order","source":"s","account":"1","time":"2023-06-01T10:00:00Z","region":"r","resources":[],"detail":{}}'
	run -0 --separate-stderr cwlog-write --store "$ST" -g g -n s \
	    --old-events keep <<<"$old"
	run -0 bash -c "recs '$ST/g' s | jq -c '[.timestamp, .ingestionTime]'"
	assert_output '[1685613600000,1704110400000]'
	run -0 --separate-stderr cwlog-write --store "$ST" -g g -n t \
	    --old-events now <<<"$old"
	run -0 bash -c "recs '$ST/g' t | jq -c '[.timestamp, .ingestionTime]'"
	assert_output '[1704110400000,1704110400000]'
	# keep does not go past a retention; now does.
	run -0 cwlog-write --store "$ST" -g r --retention-days 3 </dev/null
	run -1 --separate-stderr cwlog-write --store "$ST" -g r -n s \
	    --old-events keep <<<"$old"
	assert_equal "$stderr" "cwlog-write: <stdin>:1: log event rejected (rejectedLogEventsInfo.expiredLogEventEndIndex: 1): timestamp 2023-06-01T10:00:00.000Z: log event timestamp is older than the log group's retention period (--old-events now stores it)"
	run -0 cwlog-write --store "$ST" -g r -n s --old-events now <<<"$old"
	run -2 --separate-stderr cwlog-write --store "$ST" -g g --old-events x \
	    </dev/null
	assert_equal "$stderr" "cwlog-write: invalid --old-events 'x': use reject, keep or now"
}

@test "--retention-days takes only AWS's values" {
	for d in 0 2 4 13 3654 x; do
		run -2 --separate-stderr cwlog-write --store "$ST" -g g \
		    --retention-days "$d" </dev/null
		[[ "$stderr" == "cwlog-write: invalid retention '$d'"* ]]
	done
	for d in 1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 \
	    2192 2557 2922 3288 3653; do
		run -0 cwlog-write --store "$ST" -g g --retention-days "$d" \
		    </dev/null
	done
}

@test "messages over the size limit are rejected, 256K by option" {
	head -c 262118 /dev/zero | tr '\0' a > "$BATS_TEST_TMPDIR/in"
	echo >> "$BATS_TEST_TMPDIR/in"
	head -c 262119 /dev/zero | tr '\0' b >> "$BATS_TEST_TMPDIR/in"
	echo >> "$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr cwlog-write --store "$ST" -g g -n s \
	    --max-size 256K "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "cwlog-write: $BATS_TEST_TMPDIR/in:2: log event rejected (InvalidParameterException): Log event too large: 262145 bytes exceeds limit of 262144"
	run -0 bash -c "recs '$ST/g' s | jq -r '.message | length'"
	assert_output 262118
	# Without the option the limit is 1 MiB.
	run -0 cwlog-write --store "$ST" -g g -n s "$BATS_TEST_TMPDIR/in"
	run -2 --separate-stderr cwlog-write --store "$ST" -g g -m 2M </dev/null
}

@test "--tee copies the input to stdout" {
	run -0 --separate-stderr cwlog-write --store "$ST" -g g --tee \
	    "$F/events.ndjson"
	assert_output "$(cat "$F/events.ndjson")"
	printf 'x\n' | cwlog-write --store "$ST" -g g -t | cmp - <(echo x)
}

@test "malformed lines are located and stop the writer (4), or not with -k" {
	printf '%s\n' 'one' '{"detail-type":"x","time":"bad"}' 'two' \
	    > "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr cwlog-write --store "$ST" -g g -n s \
	    "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "cwlog-write: $BATS_TEST_TMPDIR/in:2: event time is not an RFC 3339 time"
	run -0 bash -c "recs '$ST/g' s | jq -r .message"
	assert_output one
	printf 'a\xffb\n{"detail-type":"x",}\nthree\n' > "$BATS_TEST_TMPDIR/in2"
	run -4 --separate-stderr cwlog-write --store "$ST" -g g -n s -k \
	    "$BATS_TEST_TMPDIR/in2"
	assert_equal "$stderr" "cwlog-write: $BATS_TEST_TMPDIR/in2:1: invalid UTF-8 at byte 2
cwlog-write: $BATS_TEST_TMPDIR/in2:2: invalid JSON: Expected another key-value pair at line 1, column 20"
	run -0 bash -c "recs '$ST/g' s | jq -r .message"
	assert_output "$(printf 'one\nthree')"
}

@test "an event's time is its last \"time\", escaped or not; any other is malformed" {
	printf '%s\n' \
	    '{"detail-type":"a","time":"2024-01-01T00:00:01\u005a"}' \
	    '{"detail-type":"b","time":"1999-01-01T00:00:00Z","time":"2024-01-01T00:00:02Z"}' \
	    '{"detail-type":"c","time":"2024-01-01T00:00:03Z","time":5}' \
	    '{"detail-type":"d","time":["2024-01-01T00:00:04Z"]}' \
	    '{"detail-type":"e","time":"2024-01-01T00:00:05Z",,}' \
	    > "$BATS_TEST_TMPDIR/in"
	run -4 --separate-stderr cwlog-write --store "$ST" -g g -n s -k \
	    --old-events keep "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "cwlog-write: $BATS_TEST_TMPDIR/in:3: event time is not an RFC 3339 time
cwlog-write: $BATS_TEST_TMPDIR/in:4: event time is not an RFC 3339 time
cwlog-write: $BATS_TEST_TMPDIR/in:5: invalid JSON: Expected value before ',' at line 1, column 50"
	run -0 bash -c "recs '$ST/g' s | jq -c '[.timestamp, (.message | fromjson | .\"detail-type\")]'"
	assert_output "$(printf '[1704067201000,"a"]\n[1704067202000,"b"]')"
}

@test "invalid log group and stream names are usage errors (2)" {
	long=$(printf 'a%.0s' $(seq 513))
	for g in '' 'a b' 'a:b' 'a*b' 'é' 'aws/x' "$long"; do
		run -2 --separate-stderr cwlog-write --store "$ST" -g "$g" \
		    </dev/null
		[[ "$stderr" == "cwlog-write: invalid log group name '$g': "* ]]
	done
	for s in '' 'a:b' 'a*b' "$long"; do
		run -2 --separate-stderr cwlog-write --store "$ST" -g g \
		    -n "$s" </dev/null
		[[ "$stderr" == "cwlog-write: invalid log stream name '$s': "* ]]
	done
	run -2 --separate-stderr cwlog-write --store "$ST" </dev/null
	[[ "$stderr" == *"a log group is required"* ]]
	[ ! -e "$ST" ] || [ -z "$(ls -A "$ST")" ]
}

@test "names map to paths that never leave the store" {
	mkdir -p "$BATS_TEST_TMPDIR/out/in"
	ST="$BATS_TEST_TMPDIR/out/in/store"
	for g in . .. ../x ../../x / /.. a/../../b .hidden '#' _ -; do
		for s in . .. ../.. / '../../../etc/x' '..\x' '.group' \
		    $'new\nline' '%2E' 'a b?' ' '; do
			echo m | cwlog-write --store "$ST" -g "$g" -n "$s"
		done
	done
	run -0 bash -c "cd '$BATS_TEST_TMPDIR/out' && find . -mindepth 2 \
	    -maxdepth 2"
	assert_output ./in/store
	# Only the groups' directories, each with .group, an index and a
	# segment.
	run -0 bash -c "find '$ST' -mindepth 1 -maxdepth 1 -type d | wc -l"
	assert_output 11
	run -0 bash -c "find '$ST' -mindepth 2 -type f | wc -l"
	assert_output 33
	run -0 bash -c "find '$ST' -mindepth 3 | wc -l"
	assert_output 0
	run -0 --separate-stderr cwlog-tail --store "$ST" --list-groups
	assert_equal "$(jq -r .logGroupName <<<"$output" | tr '\n' ' ')" \
	    "# - . .. ../../x ../x .hidden / /.. _ a/../../b "
	run -0 --separate-stderr cwlog-tail --store "$ST" --list-streams ..
	assert_equal "$(wc -l <<<"$output")" 11
	jq -r .logStreamName <<<"$output" | grep -qx '../../../etc/x'
}

@test "names up to 512 characters fit (a hashed file name)" {
	g=$(printf 'g%.0s' $(seq 512))
	s=$(printf '/%.0s' $(seq 512))
	run -0 cwlog-write --store "$ST" -g "$g" -n "$s" <<<'long names'
	run -0 --separate-stderr cwlog-tail --store "$ST" "$g" \
	    --format ndjson
	assert_equal "$(jq -r .logStreamName <<<"$output")" "$s"
	assert_equal "$(jq -r .message <<<"$output")" "long names"
	for f in "$ST"/*/*; do
		[ "$(basename "$f" | wc -c)" -lt 256 ]
	done
}

@test "--segment-size starts new segments; readers and listings span them" {
	seq -f 'record %g' 100 | cwlog-write --store "$ST" -g g -n a \
	    --segment-size 1K
	seq -f 'more %g' 50 | cwlog-write --store "$ST" -g g -n b -u \
	    --segment-size 1K
	# A batch goes whole into the last segment (all of a's, 5.8K, into
	# the first); then, past 1K, the next is begun (b's 50 records of
	# about 95 bytes, one batch each with -u: 11 to a segment).
	run -0 ls "$ST/g"
	assert_output "$(echo index.ndjson; printf 'seg-%08d.ndjson\n' 1 2 3 4 5 6)"
	run -0 wc -l "$ST/g/seg-00000002.ndjson"
	assert_output "11 $ST/g/seg-00000002.ndjson"
	run -0 bash -c "cwlog-tail --store '$ST' g --format ndjson | jq -r .message"
	assert_output "$( (seq -f 'record %g' 100; seq -f 'more %g' 50))"
	run -0 bash -c "cwlog-tail --store '$ST' --list-streams g |
	    jq -c '[.logStreamName, .eventCount]'"
	assert_output "$(printf '["a",100]\n["b",50]')"
	run -2 --separate-stderr cwlog-write --store "$ST" -g g \
	    --segment-size 0 </dev/null
}

@test "the store comes from EDAKIT_LOG_STORE, else XDG_STATE_HOME" {
	EDAKIT_LOG_STORE="$BATS_TEST_TMPDIR/env" cwlog-write -g g <<<x
	[ -f "$BATS_TEST_TMPDIR/env/g/seg-00000001.ndjson" ]
	env -u EDAKIT_LOG_STORE XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg" \
	    cwlog-write -g g <<<x
	[ -f "$BATS_TEST_TMPDIR/xdg/edakit/logs/g/seg-00000001.ndjson" ]
	env -u EDAKIT_LOG_STORE -u XDG_STATE_HOME HOME="$BATS_TEST_TMPDIR/h" \
	    cwlog-write -g g <<<x
	[ -f "$BATS_TEST_TMPDIR/h/.local/state/edakit/logs/g/seg-00000001.ndjson" ]
}

@test "4 concurrent writers x 25,000 records: all intact, one each" {
	for w in 1 2 3 4; do
		seq -f "{\"writer\":$w,\"seq\":%g,\"pad\":\"$(printf 'x%.0s' \
		    $(seq 40))\"}" 25000 > "$BATS_TEST_TMPDIR/in$w"
	done
	# -u: a locked append per record, the hardest case for the lock.
	for w in 1 2 3 4; do
		cwlog-write -u --store "$ST" -g g -n shared \
		    "$BATS_TEST_TMPDIR/in$w" &
	done
	wait
	run -0 bash -c "recs '$ST/g' shared | wc -l"
	assert_output 100000
	# Every line a whole record; per writer 1..25000 once, in order.
	run -0 bash -c "recs '$ST/g' shared | jq -r .message |
	    jq -r '\"\\(.writer) \\(.seq)\"' | sort -k1,1n -k2,2n -s |
	    uniq | wc -l"
	assert_output 100000
	for w in 1 2 3 4; do
		run -0 bash -c "recs '$ST/g' shared | jq -r .message |
		    jq -r 'select(.writer == $w) | .seq' | diff - <(seq 25000)"
	done
}

@test "batched concurrent writers lose nothing either" {
	for w in 1 2 3 4; do
		seq -f "w$w-%06g" 25000 > "$BATS_TEST_TMPDIR/in$w"
	done
	for w in 1 2 3 4; do
		cwlog-write --store "$ST" -g g -n s "$BATS_TEST_TMPDIR/in$w" &
	done
	wait
	run -0 bash -c "recs '$ST/g' s | jq -r .message | sort |
	    diff - <(sort '$BATS_TEST_TMPDIR'/in?)"
}

@test "a record a killed writer left half-written is never shown, then cut" {
	printf '%s\n' one two | cwlog-write --store "$ST" -g g -n s
	# What SIGKILL in the middle of write(2) leaves: no newline.
	printf '{"logStreamName":"s","timestamp":1704110400000,"ingest' \
	    >> "$ST/g/seg-00000001.ndjson"
	run -4 --separate-stderr cwlog-tail --store "$ST" g --format short
	assert_output "$(printf '2024-01-01T12:00:00 one\n2024-01-01T12:00:00 two')"
	assert_equal "$stderr" "cwlog-tail: $ST/g/seg-00000001.ndjson:3: incomplete last record ignored (54 bytes: a writer was killed or the file was cut)"
	run -0 --separate-stderr cwlog-write --store "$ST" -g g -n s <<<three
	assert_equal "$stderr" "cwlog-write: $ST/g/seg-00000001.ndjson: removed an incomplete last record (54 bytes)"
	run -0 --separate-stderr cwlog-tail --store "$ST" g --format short
	assert_output "$(printf '%s\n' '2024-01-01T12:00:00 one' \
	    '2024-01-01T12:00:00 two' '2024-01-01T12:00:00 three')"
	assert_equal "$stderr" ""
}

@test "a writer SIGKILLed while appending leaves whole records only" {
	seq -f 'record %g' 200000 > "$BATS_TEST_TMPDIR/in"
	cwlog-write -u --store "$ST" -g g -n s "$BATS_TEST_TMPDIR/in" &
	pid=$!
	while [ ! -s "$ST/g/seg-00000001.ndjson" ] ||
	    [ "$(wc -l < "$ST/g/seg-00000001.ndjson")" -lt 1000 ]; do
		sleep 0.01
	done
	kill -KILL "$pid"
	wait "$pid" || true
	run -0 --separate-stderr cwlog-tail --store "$ST" g --format ndjson
	n=$(wc -l <<<"$output")
	[ "$n" -ge 999 ]
	jq -r .message <<<"$output" | diff - <(head -n "$n" "$BATS_TEST_TMPDIR/in")
}


@test "a full disk is exit 2, and nothing written before is damaged" {
	seq -f 'record %g' 2000 > "$BATS_TEST_TMPDIR/in"
	# At 32 KiB the file system says no (EFBIG, as ENOSPC would).
	run -2 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 32;
	    exec cwlog-write -u --store '$ST' -g g -n s '$BATS_TEST_TMPDIR/in'"
	# (-u: an index line per record, so the index reaches it first)
	assert_equal "$stderr" "cwlog-write: $ST/g/index.ndjson: File too large"
	[ "$(tail -c 1 "$ST/g/seg-00000001.ndjson" | od -An -c | tr -d ' ')" = '\n' ]
	[ "$(tail -c 1 "$ST/g/index.ndjson" | od -An -c | tr -d ' ')" = '\n' ]
	run -0 --separate-stderr cwlog-tail --store "$ST" g --format ndjson
	assert_equal "$stderr" ""
	n=$(wc -l <<<"$output")
	[ "$n" -gt 100 ]
	jq -r .message <<<"$output" | diff - <(head -n "$n" "$BATS_TEST_TMPDIR/in")
}

@test "a store that cannot be made or written is exit 2 with the path" {
	touch "$BATS_TEST_TMPDIR/file"
	run -2 --separate-stderr cwlog-write --store "$BATS_TEST_TMPDIR/file/st" \
	    -g g <<<x
	assert_equal "$stderr" "cwlog-write: log store $BATS_TEST_TMPDIR/file/st: Not a directory"
	# Directories we may not write to: read-only, or for root immutable.
	mkdir -p "$ST"
	echo one | cwlog-write --store "$ST" -g g -n s
	LOCKED="$ST"
	if [ "$(id -u)" = 0 ]; then
		chattr +i "$ST" "$ST/g" 2>/dev/null ||
		    skip "chattr +i is not available here"
		why="Operation not permitted"
	else
		chmod 555 "$ST" "$ST/g"
		why="Permission denied"
	fi
	run -2 --separate-stderr cwlog-write --store "$ST" -g other <<<x
	assert_equal "$stderr" "cwlog-write: $ST/other: $why"
	# The group that is there still takes records, of new streams too
	# (they need no file).
	run -0 cwlog-write --store "$ST" -g g -n s <<<two
	run -0 cwlog-write --store "$ST" -g g -n new <<<x
	run -0 bash -c "recs '$ST/g' s | jq -r .message"
	assert_output "$(printf 'one\ntwo')"
}

teardown() {
	if [ -n "${LOCKED:-}" ]; then
		chattr -i "$LOCKED" "$LOCKED/g" 2>/dev/null || true
		chmod 755 "$LOCKED" "$LOCKED/g"
	fi
}

@test "--sync fsyncs each batch, without it there is no fsync" {
	command -v strace >/dev/null || skip "strace is not installed"
	# LeakSanitizer cannot run under ptrace.
	export ASAN_OPTIONS=detect_leaks=0
	run -0 strace -f -qq -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/t" \
	    "$BIN/cwlog-write" --sync --store "$ST" -g g -n s -u \
	    "$F/events.ndjson"
	run -0 grep -c '^[0-9]* *fsync(' "$BATS_TEST_TMPDIR/t"
	[ "$output" -ge 2 ]
	run -0 strace -f -qq -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/t" \
	    "$BIN/cwlog-write" --store "$ST" -g g -n s "$F/events.ndjson"
	run -1 grep -c 'fsync(' "$BATS_TEST_TMPDIR/t"
}

@test "records reach the store before the writer waits for more input" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	cwlog-write --store "$ST" -g g -n s < "$BATS_TEST_TMPDIR/fifo" &
	pid=$!
	exec 5> "$BATS_TEST_TMPDIR/fifo"
	echo first >&5
	# The writer is still reading (the pipe is open): the record is
	# there all the same.
	for _ in $(seq 400); do
		[ -f "$ST/g/seg-00000001.ndjson" ] &&
		    [ "$(wc -l < "$ST/g/seg-00000001.ndjson")" = 1 ] &&
		    break
		sleep 0.05
	done
	run -0 bash -c "recs '$ST/g' s | jq -r .message"
	assert_output first
	kill -0 "$pid"
	exec 5>&-
	wait "$pid"
}

@test "a running writer still cuts a record half-written since its last one" {
	# (a writer skips reading the tail of a file that is as it left
	# it: a file that changed since is read and repaired all the same)
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	cwlog-write -u --store "$ST" -g g -n s < "$BATS_TEST_TMPDIR/fifo" \
	    2> "$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec 5> "$BATS_TEST_TMPDIR/fifo"
	echo first >&5
	for _ in $(seq 400); do
		[ -f "$ST/g/index.ndjson" ] &&
		    [ "$(wc -l < "$ST/g/index.ndjson")" = 1 ] && break
		sleep 0.05
	done
	printf '{"logStreamName":"s","timestamp":1704110400000,"ingest' \
	    >> "$ST/g/seg-00000001.ndjson"
	printf '{"logStreamName":"s","creat' >> "$ST/g/index.ndjson"
	echo second >&5
	exec 5>&-
	wait "$pid"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "$(printf '%s\n' \
	    "cwlog-write: $ST/g/index.ndjson: removed an incomplete last record (27 bytes)" \
	    "cwlog-write: $ST/g/seg-00000001.ndjson: removed an incomplete last record (54 bytes)")"
	run -0 --separate-stderr cwlog-tail --store "$ST" g --format short
	assert_output "$(printf '%s\n' '2024-01-01T12:00:00 first' \
	    '2024-01-01T12:00:00 second')"
	assert_equal "$stderr" ""
}

@test "--errors writes the rejections as NDJSON records" {
	run -1 --separate-stderr cwlog-write --store "$ST" -g g -n s -f t \
	    -e "$BATS_TEST_TMPDIR/errs" "$F/times.ndjson"
	assert_equal "$stderr" ""
	run -0 cat "$BATS_TEST_TMPDIR/errs"
	assert_output "$(sed "s|FILE|$F/times.ndjson|" "$F/times.errs")"
}

@test "--errors reports a size rejection with AWS's exception" {
	run -1 --separate-stderr cwlog-write --store "$ST" -g g -n s -m 30 \
	    -e "$BATS_TEST_TMPDIR/errs" <<<'12345'
	run -0 cat "$BATS_TEST_TMPDIR/errs"
	assert_output '{"Location":"<stdin>","Line":1,"ErrorCode":"InvalidParameterException","ErrorMessage":"Log event too large: 31 bytes exceeds limit of 30"}'
}

@test "symbolic links planted in the store are not followed" {
	mkdir -p "$ST" "$BATS_TEST_TMPDIR/outside/g"
	ln -s "$BATS_TEST_TMPDIR/outside" "$ST/g"
	run -2 --separate-stderr cwlog-write --store "$ST" -g g <<<x
	assert_equal "$stderr" "cwlog-write: $ST/g: Not a directory"
	rm "$ST/g"
	echo one | cwlog-write --store "$ST" -g g -n s
	touch "$BATS_TEST_TMPDIR/outside/file"
	ln -s "$BATS_TEST_TMPDIR/outside/file" "$ST/g/seg-00000002.ndjson"
	run -2 --separate-stderr cwlog-write --store "$ST" -g g -n t <<<x
	assert_equal "$stderr" "cwlog-write: $ST/g/seg-00000002.ndjson: Too many levels of symbolic links"
	[ ! -s "$BATS_TEST_TMPDIR/outside/file" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR/outside/g")" ]
}
