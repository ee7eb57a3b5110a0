#!/bin/sh
# Benchmark of lambda-invoke: invocations per second with a trivial
# handler (cat), against the baseline measured in the same run, a shell
# `while read` loop that starts the same handler once per line.
#
#   spawn-floor      a C loop that only spawns cat per line, pipes the
#                    line in and waits (lambda-invoke-spawn.c): the
#                    bound of any one-process-per-invocation runner here
#   per-process      lambda-invoke -q cat (one process per invocation)
#   per-process -cN  the same, N = the number of CPUs at once
#   runtime-api      lambda-invoke -q --runtime-api RUNTIME, where RUNTIME
#                    is cat as a compiled custom runtime (one keep-alive
#                    connection, GET next, POST the event back:
#                    lambda-invoke-runtime.c, built here with cc)
#
# hyperfine (Debian package hyperfine) runs each command RUNS times; the
# figures are medians.  Usage: tests/bench/lambda-invoke.sh [N [RUNS]]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDAKIT_BIN:-$root/build/bin}
n=${1:-2000}
runs=${2:-5}
cpus=$(nproc)

for t in hyperfine jq cc; do
	command -v "$t" >/dev/null ||
	    { echo "lambda-invoke bench: '$t' is needed" >&2; exit 2; }
done
[ -x "$bin/lambda-invoke" ] ||
    { echo "lambda-invoke bench: build first (make)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
seq 1 "$n" | sed 's/.*/{"n":&,"order":"office-supplies","value":1200}/' \
    >"$tmp/in.ndjson"
cc -O2 -o "$tmp/runtime" "$here/lambda-invoke-runtime.c"
cc -O2 -o "$tmp/spawn" "$here/lambda-invoke-spawn.c"
cat >"$tmp/loop.sh" <<'EOF'
while IFS= read -r line; do
	cat <<<"$line"
done
EOF

# Every variant must give the same output as the baseline.
bash "$tmp/loop.sh" <"$tmp/in.ndjson" >"$tmp/expected"
"$tmp/spawn" cat <"$tmp/in.ndjson" | cmp -s - "$tmp/expected" ||
    { echo "lambda-invoke bench: spawn floor output differs" >&2; exit 1; }
"$bin/lambda-invoke" -q cat <"$tmp/in.ndjson" | cmp -s - "$tmp/expected" ||
    { echo "lambda-invoke bench: per-process output differs" >&2; exit 1; }
"$bin/lambda-invoke" -q --runtime-api "$tmp/runtime" <"$tmp/in.ndjson" |
    cmp -s - "$tmp/expected" ||
    { echo "lambda-invoke bench: runtime-api output differs" >&2; exit 1; }

unset EDAKIT_DETERMINISTIC
hyperfine -N --style basic --warmup 1 --runs "$runs" \
    --export-json "$tmp/result.json" \
    -n shell-loop "bash -c 'bash $tmp/loop.sh <$tmp/in.ndjson >/dev/null'" \
    -n spawn-floor "bash -c '$tmp/spawn cat <$tmp/in.ndjson >/dev/null'" \
    -n per-process "bash -c '$bin/lambda-invoke -q cat <$tmp/in.ndjson >/dev/null'" \
    -n "per-process-c$cpus" "bash -c '$bin/lambda-invoke -q -c $cpus cat <$tmp/in.ndjson >/dev/null'" \
    -n runtime-api "bash -c '$bin/lambda-invoke -q --runtime-api $tmp/runtime <$tmp/in.ndjson >/dev/null'" \
    >&2

echo "lambda-invoke: $n invocations of cat, median of $runs runs, $cpus CPUs"
jq -r --argjson n "$n" '
    (.results[] | select(.command == "shell-loop") | .median) as $base |
    .results[] |
    "\(.command)\t\(.median * 1000 | floor) ms\t\($n / .median | floor) inv/s\tx\(($base / .median) * 100 | floor / 100)"
    ' "$tmp/result.json" | column -t -s "$(printf '\t')"
