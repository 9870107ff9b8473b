#!/usr/bin/env bash
# The board everyone refreshes, read over HTTP (#13). Starts a release
# server on a fresh SQLite file with the demo, fills the open round with
# participants' results (hoithi-load, 2,000 people), then 3 runs of
# readers-only load: N connections reading the top-100 board and the unit
# board for S seconds each, with /healthz measured alone just before.
# Usage: bash benches/boards_http.sh [readers=64] [seconds=10] [participants=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
READERS="${1:-64}"
SECONDS_EACH="${2:-10}"
N="${3:-2000}"
. benches/common.sh

HOITHI_BIND=127.0.0.1:18300 HOITHI_DATABASE_URL="sqlite://$work/boards.db" RUST_LOG=warn HOITHI_RATE_LIMITS=off \
  "$BIN/hoithi" serve >"$work/server.log" 2>&1 &
pid=$!
wait_up 18300
echo "### filling the round: $N participants"
"$BIN/hoithi-load" --url http://127.0.0.1:18300 --participants "$N" --ramp 5 --healthz-seconds 0 --phone-prefix 051 | tail -3
for run in 1 2 3; do
  echo "--- run $run: $READERS board readers for $SECONDS_EACH s"
  "$BIN/hoithi-load" --url http://127.0.0.1:18300 --participants 0 --board-readers "$READERS" \
    --board-seconds "$SECONDS_EACH" --healthz-concurrency "$READERS" --server-pid "$pid"
done
kill "$pid"
