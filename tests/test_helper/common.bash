# Shared set-up of every test file: bats-support and bats-assert, the
# programs under test first on PATH (under valgrind with VALGRIND=1), the
# deterministic switch on, and the paths tests use.
bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
BIN="${EDAKIT_BIN:-$ROOT/build/bin}"
SHARED="${EDAKIT_SHARED:-$ROOT/../shared}"
FIXTURES="$ROOT/tests/fixtures"
PROGS="$(cd "$ROOT/cmd" && ls *.c | sed 's/\.c$//')"

if [ "${VALGRIND:-}" = 1 ]; then
	# One wrapper per program; exit 99 on any memory error or leak.
	vgdir="$BATS_RUN_TMPDIR/valgrind-bin"
	if [ ! -d "$vgdir" ]; then
		mkdir -p "$vgdir.tmp"
		for p in $PROGS; do
			cat > "$vgdir.tmp/$p" <<WRAP
#!/bin/sh
exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    "$BIN/$p" "\$@"
WRAP
			chmod +x "$vgdir.tmp/$p"
		done
		mv "$vgdir.tmp" "$vgdir" 2>/dev/null || rm -rf "$vgdir.tmp"
	fi
	PATH="$vgdir:$PATH"
else
	PATH="$BIN:$PATH"
fi
export PATH
export EDAKIT_DETERMINISTIC=1
unset AWS_ACCOUNT_ID AWS_REGION AWS_DEFAULT_REGION

# Compare two JSON texts as values (key order ignored).
json_eq() {
	diff <(jq -cS . <<<"$1") <(jq -cS . <<<"$2")
}

# Skip when the shared conformance data is not beside the project.
need_shared() {
	[ -d "$SHARED/conformance" ] ||
	    skip "../shared is absent: conformance data not available"
}
