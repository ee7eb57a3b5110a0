#!/usr/bin/env bats
# Behaviour every program shares: help, version, bad options, a closed
# pipe, a full disk.

load test_helper/common

# A record each program accepts on stdin and answers with output.
sample_input() {
	case "$1" in
	ebus-match) echo '{"source":"a"}' ;;
	sns-publish) echo '{"Message":"a"}' ;;
	*) echo '{"Source":"a","DetailType":"b","Detail":"{}"}' ;;
	esac
}

# Arguments that make each program produce one output line per input.
sample_args() {
	case "$1" in
	ebus-match) echo "-f $FIXTURES/ebus-match/any-source.json" ;;
	sfn-run) echo "$FIXTURES/cli/pass.asl.json" ;;
	sfn-eval) echo "Source" ;;
	lambda-invoke) echo "-q cat" ;;
	cwlog-write) echo "--store $BATS_TEST_TMPDIR/store --log-group g --tee" ;;
	cwlog-tail) echo "--store $FIXTURES/cli/store g --format ndjson" ;;
	sns-publish) echo "-S $FIXTURES/sns-publish/subscriptions.ndjson" ;;
	*) echo "" ;;
	esac
}

@test "every program prints help on stdout and exits 0" {
	for p in $PROGS; do
		run -0 --separate-stderr "$p" --help
		assert_output --partial "usage: $p"
		[ -z "$stderr" ]
	done
}

@test "every program prints its version" {
	for p in $PROGS; do
		run -0 "$p" --version
		assert_output "$p (edakit) 0.1.0"
	done
}

@test "an unknown option is a usage error (2) with a short usage" {
	for p in $PROGS; do
		run -2 --separate-stderr "$p" --no-such-option
		assert_equal "$output" ""
		[[ "$stderr" == *"$p: unrecognized option '--no-such-option'"* ]]
		[[ "$stderr" == *"Try '$p --help' for more information."* ]]
	done
}

@test "output into a closed pipe ends quietly" {
	for p in $PROGS; do
		[ "$p" = cwlog-tail ] && continue
		run -0 --separate-stderr bash -c "
		    for i in \$(seq 3000); do printf '%s\n' '$(sample_input "$p")'; done |
		    $p $(sample_args "$p") | head -1 >/dev/null
		    s=(\${PIPESTATUS[@]}); [ \${s[1]} = 0 ] || [ \${s[1]} = 141 ]"
		assert_equal "$stderr" ""
	done
}

@test "a full disk on stdout is exit 2 with a write error" {
	for p in $PROGS; do
		run -2 --separate-stderr bash -c \
		    "printf '%s\n' '$(sample_input "$p")' | $p $(sample_args "$p") >/dev/full"
		[[ "$stderr" == *"$p: write error: No space left on device"* ]]
	done
}

@test "make install puts every program, page and completion under DESTDIR" {
	dest="$BATS_TEST_TMPDIR/dest"
	run -0 make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr
	for p in $PROGS; do
		[ -x "$dest/usr/bin/$p" ]
		[ -f "$dest/usr/share/man/man1/$p.1" ]
	done
	[ -f "$dest/usr/share/man/man7/edakit.7" ]
	[ -x "$dest/usr/share/edakit/runtimes/python-handler" ]
	[ -x "$dest/usr/share/edakit/runtimes/node-handler" ]
	run -0 make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/usr
	for p in $PROGS; do
		[ ! -e "$dest/usr/bin/$p" ]
	done
	[ ! -e "$dest/usr/share/edakit" ]
}
