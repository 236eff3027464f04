#!/usr/bin/env bash
# The out-of-the-box demo: starts the Syncro simulator with generated data,
# mirrors it with syncrod, asks the CLI a few questions from the cache, and
# sends one queued comment through the outbox. No account needed.
#
#   ./scripts/demo.sh            (DEMO_TICKETS=2000 ./scripts/demo.sh for more data)
#   DEMO_TUI=1 ./scripts/demo.sh ends in `syncro tui` on the demo data, with
#                                syncrod running (q quits, ? lists the keys)
set -euo pipefail
cd "$(dirname "$0")/.."

tickets=${DEMO_TICKETS:-400}
echo "==> building (first run takes a few minutes)"
cargo build --quiet --workspace --bins
bin=target/debug

demo=$(mktemp -d "${TMPDIR:-/tmp}/syncro-demo.XXXXXX")
sim_pid=""
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    rm -rf "$demo"
}
trap cleanup EXIT

echo "==> starting the simulator with $tickets generated tickets"
# The demo raises the rate limit on both sides so the first mirror takes
# seconds; against the real service syncrod stays within 150/min.
SYNCRO_SIM_API_KEY=demo-key "$bin/syncro-sim" --port 0 --seed 7 --tickets "$tickets" \
    --customers 60 --invoices 80 --rate-limit 6000 >"$demo/sim.out" 2>"$demo/sim.log" &
sim_pid=$!
for _ in $(seq 1 300); do
    grep -q "listening on" "$demo/sim.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$demo/sim.out" | head -n1)
[ -n "$url" ] || { echo "the simulator did not start:"; cat "$demo/sim.log"; exit 1; }
echo "    $url"

run() { echo; echo "\$ $*"; "$@"; }

echo; echo "==> syncro init: the account, the key (checked with GET /me), labor types from the shop's products"
export SYNCRO_CONFIG="$demo/config.toml" SYNCRO_DB="$demo/cache.db"
unset SYNCRO_API_KEY SYNCRO_BASE_URL
echo "\$ printf '%s\\n' \"\$KEY\" | syncro init --server $url --api-key-stdin --key-store file --yes"
# A file, not your keyring: the demo's key belongs to a throwaway simulator.
printf '%s\n' demo-key | "$bin/syncro" init --server "$url" --api-key-stdin --key-store file --yes
# The demo raises the pace so the first mirror takes seconds (a top-level
# key, so before the [labor.*] tables init wrote).
sed -i '1i rate_limit_per_minute = 6000' "$demo/config.toml"

echo; echo "==> syncrod once: the first full mirror"
run "$bin/syncrod" once
run "$bin/syncro" status
run "$bin/syncro" labor
run "$bin/syncro" tickets --limit 8
run "$bin/syncro" search "outlook password" --limit 5
number=$("$bin/syncro" tickets --limit 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print((d["tickets"] if isinstance(d, dict) else d)[0]["number"])' 2>/dev/null \
    || "$bin/syncro" tickets --limit 1 | sed -n 's/^#\([0-9]*\).*/\1/p' | head -n1)
run "$bin/syncro" ticket "$number"

echo; echo "==> queue a comment (works offline), then let syncrod send and verify it"
run "$bin/syncro" comment "$number" "Demo: checked the backups, all green." --yes
run "$bin/syncro" outbox
echo "    (a comment the customer sees waits out its 10 s undo window: \`syncro undo\` takes it back)"
run "$bin/syncrod" once --quick
run "$bin/syncro" outbox --all
run "$bin/syncro" ticket "$number" --comments 2
if [ "${DEMO_TUI:-}" = 1 ] && [ -t 0 ] && [ -t 1 ]; then
    echo; echo "==> syncro tui on the demo data, syncrod running (/ search, Enter open, c comment, o outbox, ? keys, q quit)"
    "$bin/syncrod" run >"$demo/syncrod.log" 2>&1 &
    daemon_pid=$!
    "$bin/syncro" tui
else
    echo; echo "    DEMO_TUI=1 ./scripts/demo.sh ends in \`syncro tui\` on this data (search, comment, watch it verify)"
fi
echo; echo "==> done. The demo cache was in $demo (removed on exit)."
