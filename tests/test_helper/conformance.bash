# Verdict corpora laid out by conformance.py (CASES/AREA/NNNN/ with name,
# expect and aws_error): run_area AREA runs each case through the file's
# own verdict function, prints each failure with its difference, and
# fails when one failed.

# Run every case of one area; print each failure with its difference.
run_area() {
	local d want got n=0 failed=0
	[ -d "$CASES/$1" ] || { echo "no case in area $1"; return 1; }
	for d in "$CASES/$1"/*/; do
		d=${d%/}
		want=$(cat "$d/expect")
		[ "$want" != invalid ] || want="invalid: $(cat "$d/aws_error")"
		got=$(verdict "$d")
		n=$((n + 1))
		[ "$got" != "$want" ] || continue
		failed=$((failed + 1))
		echo "FAIL $(cat "$d/name") (line $((10#${d##*/})))"
		diff -u --label expected --label got <(echo "$want") \
		    <(echo "$got") | sed 's/^/  /'
	done
	echo "# $1: $((n - failed))/$n pass" >&3
	[ "$failed" = 0 ]
}
