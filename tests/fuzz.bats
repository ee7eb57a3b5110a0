#!/usr/bin/env bats
# Replay of the fuzz harnesses (tests/fuzz/): each harness, built with
# the plain driver beside the programs ($BIN/../fuzz), runs its seeds
# (taken from $SHARED/conformance by seeds.py, and tests/fuzz/seeds/)
# and the inputs fuzzing once found bugs with (tests/fuzz/known/).  A
# bug shows as a crash, or a sanitizer report under SANITIZE.

load test_helper/common

FUZZ="$BIN/../fuzz"

setup_file() {
	seeds="$BATS_FILE_TMPDIR/seeds"
	mkdir -p "$seeds"
	if [ -d "${EDAKIT_SHARED:-$ROOT/../shared}/conformance" ]; then
		python3 "$ROOT/tests/fuzz/seeds.py" \
		    "${EDAKIT_SHARED:-$ROOT/../shared}/conformance" "$seeds" \
		    >/dev/null
	fi
}

# replay TARGET: every input the target has, one run of the driver.
replay() {
	local t=$1 d dirs=()

	[ -x "$FUZZ/fuzz-$t" ] || skip "$FUZZ/fuzz-$t is not built (make fuzz-replay)"
	for d in "$BATS_FILE_TMPDIR/seeds/$t" "$ROOT/tests/fuzz/seeds/$t" \
	    "$ROOT/tests/fuzz/known/$t"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	[ ${#dirs[@]} -gt 0 ] || skip "no inputs for $t"
	# stderr holds LeakSanitizer's list of the suppressions it used
	run -0 --separate-stderr "$FUZZ/fuzz-$t" "${dirs[@]}"
	assert_output --regexp '^[1-9][0-9]* inputs$'
}

@test "fuzz replay: event patterns" { replay pattern; }
@test "fuzz replay: events against rules" { replay rules; }
@test "fuzz replay: ASL definitions" { replay asl; }
@test "fuzz replay: JSONPath" { replay jpath; }
@test "fuzz replay: intrinsic functions" { replay intrinsic; }
@test "fuzz replay: JSONata expressions" { replay jsonata; }
@test "fuzz replay: input transformers" { replay transform; }
@test "fuzz replay: filter patterns and %regex%" { replay filterpat; }
@test "fuzz replay: Runtime API requests" { replay rapi; }

@test "fuzz driver: each file of a directory once, a missing one is exit 2" {
	[ -x "$FUZZ/fuzz-jpath" ] || skip "not built"
	mkdir "$BATS_TEST_TMPDIR/in"
	printf '$.a\n{"a":1}' > "$BATS_TEST_TMPDIR/in/1"
	printf '$..*\n[1,[2]]' > "$BATS_TEST_TMPDIR/in/2"
	run -0 "$FUZZ/fuzz-jpath" "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in/1"
	assert_output "3 inputs"
	run -2 --separate-stderr "$FUZZ/fuzz-jpath" "$BATS_TEST_TMPDIR/nosuch"
	assert_equal "$stderr" "fuzz-jpath: $BATS_TEST_TMPDIR/nosuch: No such file or directory"
}
