#!/usr/bin/env bash
# demo.sh: the workshop's event-driven architecture as a pipeline.
#
#   demo.sh [-f handler] [-k] [-t seconds] OUTDIR [FILE ...]
#
# InventoryFunction is the workshop's Python code, unchanged
# (share/examples/orders/inventory/index.py, index.lambda_handler), run by
# share/runtimes/python-handler as AWS's Python runtime runs it; -f gives
# another handler command instead.
#
# FILEs (default: the standard input) hold PutEvents entries for the
# Orders bus, in any form ebus-put reads.  Everything the architecture
# produces lands in OUTDIR:
#
#   OUTDIR/logs/                 the log store (read it with cwlog-tail)
#   OUTDIR/executions.ndjson     OrderProcessing's execution results
#   OUTDIR/dead-letters.ndjson   the InventoryFunctionDLQ queue: SQS messages
#                                holding InventoryFunction's failure records
#   OUTDIR/queues/Orders.ndjson  the Orders queue: the Orders topic's SQS
#                                subscription (USLabSupplyRule's orders)
#   OUTDIR/queues/OrdersReplayQueue.ndjson
#                                replayed events (OrdersReplayRule)
#   OUTDIR/unrolled.ndjson       events that would start a third round
#                                (none with the shipped rules)
#   OUTDIR/other-buses.ndjson    events of input entries for other buses
#                                (no EventBusName means the default bus)
#
# It prints what each stage did and where its files are, then the
# records that reached /aws/events/inventory (as aws logs tail --format
# json shows them).  -t sets InventoryFunction's timeout (default 3
# seconds, as on Lambda; it counts the runtime's start-up too, so tests
# on a loaded machine give it more).
#
# The Orders bus is met twice: once by the events put on it, once by the
# events OrderProcessing publishes back.  The loop unrolls into:
#
#   ebus-put Orders | ebus-match Orders --OrderProcessing--> sfn-run
#     | ebus-put Orders | ebus-match Orders --InventoryFunction-->
#     lambda-invoke (on success: Inventory bus) | ebus-match Inventory
#     --InventoryLogs--> cwlog-write /aws/events/inventory
#
# Fan-out goes through FIFOs: both Orders rounds log every event to
# /aws/events/orders (OrdersDevRule), and the round-1 events that
# OrderProcessingRule already matches (an "Order Processed" put directly)
# go to a second InventoryFunction branch.  All writers share one store.
# USLabSupplyRule's round-1 events go through a FIFO to the Orders SNS
# topic (sns-publish), whose SQS subscription is the Orders queue.
#
# Exit status: 0 when every stage succeeded, 1 when some invocations of
# InventoryFunction failed (their records are in dead-letters.ndjson), 2
# when a stage failed (each failed stage is named on stderr).
set -u

here=$(cd "$(dirname "$0")/../.." && pwd)
examples="$here/share/examples/orders"
# The programs on PATH (make demo puts the build first), else the build.
command -v ebus-put >/dev/null 2>&1 || PATH="$here/build/bin:$PATH"

handler=("$here/share/runtimes/python-handler" -d "$examples/inventory"
    index.lambda_handler)
keep=
timeout=3
usage() {
	echo "usage: demo.sh [-f handler] [-k] [-t seconds] outdir [file ...]" >&2
	exit 2
}
while getopts f:kt: opt; do
	case $opt in
	f) handler=("$OPTARG") ;;
	k) keep=--keep-going ;;
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
out=$1
shift

mkdir -p "$out" || exit 2
store="$out/logs"
rm -rf "$store" "$out"/*.ndjson "$out/queues"
mkdir -p "$out/queues" || exit 2
fifos=$(mktemp -d "${TMPDIR:-/tmp}/edakit-demo.XXXXXX") || exit 2
status="$fifos/status"
jobs_pids=()

# The processes started below this shell, parents first, so that a
# subshell dies before it could report its pipeline's death (read from
# /proc: procps may be missing on a minimal system).
descendants() {
	local pid stat ppid kids=() k
	for stat in /proc/[0-9]*/stat; do
		read -r pid _ _ ppid _ 2>/dev/null < "$stat" || continue
		[ "$ppid" = "$1" ] && kids+=("$pid")
	done
	for k in "${kids[@]}"; do
		echo "$k"
		descendants "$k"
	done
}

# Let FIFO readers that wait for a writer go: opening a FIFO read-write
# never blocks, and closing it again gives them the end of their input.
unblock_fifos() {
	local f
	for f in "$fifos"/*; do
		[ -p "$f" ] && { exec 9<> "$f"; exec 9>&-; }
	done
}

# On every way out: stop whatever still runs, release the FIFO readers,
# remove the FIFOs.
cleanup() {
	local p pids alive
	trap - EXIT INT TERM HUP
	pids=$(descendants $$)
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	unblock_fifos
	wait 2>/dev/null
	# orphaned grandchildren are not ours to wait for: see them go
	# (a minute at most, however busy the machine)
	local deadline=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$deadline" ]; do
		alive=
		for p in $pids; do
			[ -d "/proc/$p" ] && alive=$p
		done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	rm -rf "$fifos"
}
trap cleanup EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM HUP

# plural N WORD: "1 event", "2 events".
plural() {
	if [ "$1" = 1 ]; then echo "1 $2"; else echo "$1 $2s"; fi
}

# The number of events in a log group of the store.
group_count() {
	local n
	n=$(cwlog-tail --store "$store" --since 0 --format ndjson "$1" |
	    wc -l) && [ "${PIPESTATUS[0]}" = 0 ] && echo $((n))
}

# What each stage did and where its files are, then the inventory
# records, pretty-printed (trailing blanks dropped).
summary() {
	local orders inventory failed unrolled runs statuses topic replays
	orders=$(group_count /aws/events/orders) || return 1
	inventory=$(group_count /aws/events/inventory) || return 1
	failed=$(wc -l < "$out/dead-letters.ndjson")
	unrolled=$(wc -l < "$out/unrolled.ndjson")
	topic=$(wc -l < "$out/queues/Orders.ndjson")
	replays=$(wc -l < "$out/queues/OrdersReplayQueue.ndjson")
	runs=$(wc -l < "$out/executions.ndjson")
	statuses=$(LC_ALL=C grep -o '"status":"[A-Z_]*"' \
	    "$out/executions.ndjson" |
	    sort | uniq -c | awk '{ sub(/"status":/, ""); gsub(/"/, "")
	    printf "%s%d %s", NR == 1 ? ": " : ", ", $1, $2 }')
	printf '%-18s %-40s %s\n' \
	    "Orders bus" "$(plural "$orders" event) in /aws/events/orders" \
	        "$store" \
	    "OrderProcessing" "$(plural "$runs" execution)$statuses" \
	        "$out/executions.ndjson" \
	    "InventoryFunction" "$inventory succeeded, $failed failed" \
	        "$out/dead-letters.ndjson" \
	    "Inventory bus" "$(plural "$inventory" event) in /aws/events/inventory" \
	        "$store" \
	    "Orders bus again" "$(plural "$unrolled" event) for a third round" \
	        "$out/unrolled.ndjson" \
	    "Orders topic" "$(plural "$topic" message) in the Orders queue" \
	        "$out/queues/Orders.ndjson" \
	    "OrdersReplayQueue" "$(plural "$replays" "replayed event")" \
	        "$out/queues/OrdersReplayQueue.ndjson"
	echo "(read a log group with: cwlog-tail --store $store --since 0 GROUP)"
	[ "$inventory" != 0 ] || return 0
	printf '\n/aws/events/inventory:\n'
	# (only lines that end in a blank are edited: sed's search for
	# "[[:blank:]]*$" on every line was most of the demo's CPU time; in
	# the C locale it costs a sixth of what it does in a UTF-8 one, and
	# bytes of other characters pass through as they are)
	cwlog-tail --store "$store" --since 0 --format json \
	    /aws/events/inventory |
	    LC_ALL=C sed '/[[:blank:]]$/s/[[:blank:]]*$//'
	[ "${PIPESTATUS[0]}" = 0 ]
}

mkfifo "$fifos/orders-log-1" "$fifos/orders-log-2" \
    "$fifos/inventory-direct" "$fifos/orders-topic" || exit 2

# check NAME... -- STATUS...: record stages whose status is not allowed.
# ebus-match's 1 (nothing matched) and lambda-invoke's 1 (some
# invocations failed: their records are in the dead-letter file) are not
# failures of the stage.
check() {
	local names=() n=0 s
	while [ "$1" != -- ]; do names+=("$1"); shift; done
	shift
	for s in "$@"; do
		case "${names[$n]}:$s" in
		*:0) ;;
		ebus-match*:1) ;;
		lambda-invoke*:1) ;;
		*)
			if [ "$s" -gt 128 ]; then
				echo "demo: ${names[$n]}: killed by signal $((s - 128))" >&2
			else
				echo "demo: ${names[$n]}: failed with status $s" >&2
			fi
			echo failed >> "$status" ;;
		esac
		n=$((n + 1))
	done
}

inventory_rules="$examples/inventory-rules.json"
orders_rules="$examples/orders-rules.json"
lambda=(lambda-invoke -u --invocation-type Event
    --function-name InventoryFunction --maximum-retry-attempts 0
    --timeout "$timeout"
    --on-success-bus Inventory --on-failure-queue InventoryFunctionDLQ
    --quiet --runtime-api)

# Fan-in: every OrdersDevRule delivery is logged to /aws/events/orders.
# Replayed captures keep their own times, however old (PutLogEvents
# would reject those older than 14 days).
for i in 1 2; do
	cwlog-write $keep --old-events keep --store "$store" \
	    --log-group /aws/events/orders "$fifos/orders-log-$i" || echo "cwlog-write (/aws/events/orders, round $i):$?" >> "$fifos/bg" &
	jobs_pids+=($!)
done

# The Orders topic: USLabSupplyRule's events, delivered to the Orders
# queue through the topic's SQS subscription.
sns-publish -E $keep -S "$examples/orders-topic.json" \
    -t Orders="$out/queues/Orders.ndjson" "$fifos/orders-topic" >/dev/null ||
    echo "sns-publish (Orders topic):$?" >> "$fifos/bg" &
jobs_pids+=($!)

# Events that OrderProcessingRule matched in round 1 (put directly).
{
	"${lambda[@]}" --on-failure "$out/dead-letters-direct.ndjson" \
	    -i "$fifos/inventory-direct" -- "${handler[@]}" |
	ebus-match -u $keep --rules "$inventory_rules" --target InventoryLogs=- |
	cwlog-write $keep --store "$store" --log-group /aws/events/inventory \
	    --retention-days 3
	check "lambda-invoke (InventoryFunction, direct)" \
	    "ebus-match (Inventory rules, direct)" \
	    "cwlog-write (/aws/events/inventory, direct)" -- "${PIPESTATUS[@]}"
} &
jobs_pids+=($!)

# The main chain (in the background, so that a signal reaches our trap
# at once instead of when the chain ends; fd 3 is our standard input,
# which a background job would not get).
exec 3<&0
{
ebus-put -u $keep --bus Orders --other-buses "$out/other-buses.ndjson" \
    "$@" <&3 |
ebus-match -u $keep --rules "$orders_rules" \
    --target OrdersDevLogs="$fifos/orders-log-1" \
    --target InventoryFunction="$fifos/inventory-direct" \
    --target OrdersTopic="$fifos/orders-topic" \
    --target OrdersReplayQueue="$out/queues/OrdersReplayQueue.ndjson" \
    --target OrderProcessing=- |
sfn-run -u $keep --name OrderProcessing --events - \
    --output "$out/executions.ndjson" "$examples/order-processing.asl.json" |
ebus-put -u $keep --bus Orders |
ebus-match -u $keep --rules "$orders_rules" \
    --target OrdersDevLogs="$fifos/orders-log-2" \
    --target OrderProcessing="$out/unrolled.ndjson" \
    --target InventoryFunction=- |
"${lambda[@]}" --on-failure "$out/dead-letters-chain.ndjson" -- "${handler[@]}" |
ebus-match -u $keep --rules "$inventory_rules" --target InventoryLogs=- |
cwlog-write $keep --store "$store" --log-group /aws/events/inventory \
    --retention-days 3
check "ebus-put (Orders)" "ebus-match (Orders rules, round 1)" \
    "sfn-run (OrderProcessing)" "ebus-put (Orders, round 2)" \
    "ebus-match (Orders rules, round 2)" \
    "lambda-invoke (InventoryFunction)" "ebus-match (Inventory rules)" \
    "cwlog-write (/aws/events/inventory)" -- "${PIPESTATUS[@]}"
} &
chain=$!

# Join every stage.  Once the main chain is over, nothing will open a
# FIFO for writing any more: release readers still waiting for a writer
# (a stage that died before opening its outputs), then wait for them.
wait "$chain"
unblock_fifos
for p in "${jobs_pids[@]}"; do
	wait "$p"
done
if [ -s "$fifos/bg" ]; then
	while IFS=: read -r name s; do
		check "$name" -- "$s"
	done < "$fifos/bg"
fi

cat "$out/dead-letters-direct.ndjson" "$out/dead-letters-chain.ndjson" \
    > "$out/dead-letters.ndjson" 2>/dev/null
rm -f "$out/dead-letters-direct.ndjson" "$out/dead-letters-chain.ndjson"
[ -f "$out/unrolled.ndjson" ] || : > "$out/unrolled.ndjson"
for q in Orders OrdersReplayQueue; do
	[ -f "$out/queues/$q.ndjson" ] || : > "$out/queues/$q.ndjson"
done
[ -f "$out/other-buses.ndjson" ] || : > "$out/other-buses.ndjson"
if [ -s "$out/other-buses.ndjson" ]; then
	echo "demo: $(wc -l < "$out/other-buses.ndjson") input events are" \
	    "for other buses than Orders: see $out/other-buses.ndjson" >&2
fi
if [ -s "$out/unrolled.ndjson" ]; then
	echo "demo: $(wc -l < "$out/unrolled.ndjson") events would start" \
	    "another OrderProcessing round: see $out/unrolled.ndjson" >&2
fi

summary || echo failed >> "$status"

if grep -q failed "$status" 2>/dev/null; then
	exit 2
fi
if [ -s "$out/dead-letters.ndjson" ]; then
	echo "demo: $(wc -l < "$out/dead-letters.ndjson") invocations of" \
	    "InventoryFunction failed: see $out/dead-letters.ndjson" >&2
	exit 1
fi
exit 0
