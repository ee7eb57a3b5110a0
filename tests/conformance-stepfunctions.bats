#!/usr/bin/env bats
# The AWS-recorded Step Functions corpus ($SHARED/conformance/
# stepfunctions-cases.ndjson): every JSONPath-mode execution must end as
# it ended on AWS (status; output as a JSON value; error name).  JSONata
# and workflow-variable cases are counted as not yet supported: sfn-run
# refuses those definitions at load (exit 3), which is checked too.
# Counts by feature area (the reference's areas) go to the TAP stream.

load test_helper/common

# Cases that cannot pass, with the reason.
declare -A EXCEPTIONS=(
)

setup_file() {
	[ -d "$SHARED/conformance" ] || return 0
	work="$BATS_FILE_TMPDIR/sfn-corpus"
	mkdir -p "$work"
	# Per case, one line in each file, in corpus order.
	jq -r '
	    def area:
		if ((.definition | tostring | test("\"QueryLanguage\":\"JSONata\""))
		    or (.features | index("QueryLanguage:JSONata"))
		    or (.features | index("jsonata-expr"))) then "jsonata"
		elif (.name | test("choice_operators/")) then "choice"
		elif (.features | index("field:Assign")) then "variables"
		elif (.features | map(startswith("intrinsic:")) | any) then "intrinsic"
		elif (.features | index("state:Map")) then "map"
		else "other" end;
	    [(input_line_number | tostring), area, .name] | @tsv' \
	    "$SHARED/conformance/stepfunctions-cases.ndjson" > "$work/cases.tsv"
	jq -c .definition "$SHARED/conformance/stepfunctions-cases.ndjson" \
	    > "$work/defs.ndjson"
	jq -c .input "$SHARED/conformance/stepfunctions-cases.ndjson" \
	    > "$work/inputs.ndjson"
	jq -c '.bindings // {}' "$SHARED/conformance/stepfunctions-cases.ndjson" \
	    > "$work/bindings.ndjson"
}

@test "conformance: the Step Functions corpus, JSONPath cases as on AWS" {
	need_shared
	work="$BATS_FILE_TMPDIR/sfn-corpus"
	: > "$work/got.ndjson"
	while IFS=$'\t' read -r i area name <&4 && read -r def <&5 &&
	    read -r input <&6 && read -r bindings <&7; do
		d="$work/$i"
		mkdir -p "$d"
		printf '%s\n' "$def" > "$d/def.json"
		printf '%s\n' "$input" > "$d/input.json"
		args=()
		# Each binding becomes a small handler script.
		n=0
		while IFS=$'\t' read -r res kind value msg err; do
			[ -n "$res" ] || continue
			n=$((n + 1))
			h="$d/handler$n"
			case "$kind" in
			identity) printf '#!/bin/sh\nexec cat\n' > "$h" ;;
			constant) printf '#!/bin/sh\ncat >/dev/null\nprintf "%%s\\n" %q\n' "$value" > "$h" ;;
			raise) printf '#!/bin/sh\ncat >/dev/null\nprintf "%%s\\n" %q\nexit 1\n' \
			    "$(jq -cn --arg t "$err" --arg m "$msg" \
			    '{errorMessage:$m,errorType:$t,stackTrace:[]}')" > "$h" ;;
			esac
			chmod +x "$h"
			args+=(--task "$res=$h")
		done < <(jq -r 'to_entries[] | [.key, .value.kind,
		    (.value.value | tojson), .value.errorMessage // "",
		    .value.error // ""] | @tsv' <<<"$bindings")
		rc=0
		out="$(sfn-run --clock=virtual -H "$d/history" "${args[@]}" \
		    "$d/def.json" < "$d/input.json" 2>"$d/stderr")" || rc=$?
		[ -f "$d/history" ] || : > "$d/history"
		jq -cn --arg i "$i" --arg area "$area" --arg name "$name" \
		    --arg rc "$rc" --arg out "$out" --rawfile err "$d/stderr" \
		    --slurpfile hist "$d/history" \
		    '{i: ($i | tonumber), area: $area, name: $name,
		      rc: ($rc | tonumber), got: ($out | fromjson? // null),
		      types: [$hist[].type], stderr: $err}' >> "$work/got.ndjson"
	done 4< "$work/cases.tsv" 5< "$work/defs.ndjson" \
	    6< "$work/inputs.ndjson" 7< "$work/bindings.ndjson"
	exceptions="$(for k in "${!EXCEPTIONS[@]}"; do
	    jq -cn --arg k "$k" --arg v "${EXCEPTIONS[$k]}" '{($k): $v}'; done |
	    jq -cs 'add // {}')"
	jq -s --slurpfile cases "$SHARED/conformance/stepfunctions-cases.ndjson" \
	    --argjson exc "$exceptions" '
	    def parsed: if type == "string" then (fromjson? // .) else . end;
	    def verdict($c):
		.got as $g | $c.expect as $e |
		if (.area == "jsonata" or .area == "variables") then
		    (if .rc == 3 then "unsupported" else "not-refused" end)
		elif $g == null then "no-result"
		elif $g.status != $e.status then "status"
		elif $e.status == "SUCCEEDED" then
		    (if ($g.output | fromjson) == ($e.output | parsed)
		     then "pass" else "output" end)
		elif $e.status == "FAILED" then
		    (if $g.error != $e.error then "error"
		     elif ($e.cause == null or $g.cause == $e.cause)
		     then "pass" else "pass-cause-differs" end)
		else "pass" end;
	    [.[] | . as $r | $cases[$r.i - 1] as $c |
	     {name, area, v: verdict($c), got: .got, expect: $c.expect,
	      causes: ($c.expect.cause != null),
	      history: (if $c.history == null then null
		else ([$c.history[].type] == $r.types) end),
	      stderr}] as $all |
	    {areas: ($all | group_by(.area) | map({area: .[0].area,
		cases: length,
		pass: map(select(.v == "pass" or .v == "pass-cause-differs")) | length,
		causes: map(select(.causes and .v != "unsupported")) | length,
		exact_cause: map(select(.causes and .v == "pass")) | length,
		histories: map(select(.history != null and .v != "unsupported")) | length,
		same_history: map(select(.history == true and .v != "unsupported")) | length,
		unsupported: map(select(.v == "unsupported")) | length})),
	     failures: [$all[] | select(.v != "pass" and .v != "pass-cause-differs"
		and .v != "unsupported") | select($exc[.name] == null)],
	     excepted: [$all[] | select($exc[.name] != null) |
		{name, reason: $exc[.name], v}]}' \
	    "$work/got.ndjson" > "$work/report.json"
	jq -r '.areas[] | "# \(.area): \(.pass)/\(.cases) pass, \(.unsupported) not yet supported; AWS cause text \(.exact_cause)/\(.causes); history event types as on AWS \(.same_history)/\(.histories)"' \
	    "$work/report.json" >&3
	jq -r '(.areas | map(.cases) | add) as $all |
	    [.areas[] | select(.area != "jsonata" and .area != "variables")] |
	    "# JSONPath mode: \(map(.pass) | add)/\(map(.cases) | add) pass; \(map(.pass) | add)/\($all) of the whole corpus"' \
	    "$work/report.json" >&3
	jq -r '.excepted[] | "# exception: \(.name): \(.reason)"' \
	    "$work/report.json" >&3
	jq -r '.failures[] | "# FAIL \(.v): \(.name)\n#   \(.stderr)"' \
	    "$work/report.json" >&3
	[ "$(jq '.failures | length' "$work/report.json")" = 0 ]
}
