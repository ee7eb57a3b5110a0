#!/bin/sh
# Put the workshop's first test event on the Orders bus and show the
# event the bus receives.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$here/build/bin:$PATH"
ebus-put --bus Orders "$here/share/examples/orders/events/OrderNotification_v1.json"
