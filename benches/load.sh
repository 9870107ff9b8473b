#!/usr/bin/env bash
# Runs hoithi-load against release servers on this machine, 3 runs per
# backend, and prints the reports. Usage:
#   bash benches/load.sh [participants] [sqlite|postgres|both]
# PostgreSQL: the local server (trust auth, user postgres); the script
# creates a fresh database hoithi_bench and starts two instances on it.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
WHICH="${2:-both}"
cargo build --release --bins >/dev/null
BIN=target/release
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

wait_up() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.2; done; return 1; }

if [ "$WHICH" != postgres ]; then
  echo "### SQLite, $N participants, ramp 10 s"
  HOITHI_BIND=127.0.0.1:18100 HOITHI_DATABASE_URL="sqlite://$work/bench.db" RUST_LOG=warn HOITHI_RATE_LIMITS=off "$BIN/hoithi" serve >"$work/sqlite.log" 2>&1 &
  pid=$!
  wait_up 18100
  for run in 1 2 3; do
    echo "--- run $run"
    "$BIN/hoithi-load" --url http://127.0.0.1:18100 --participants "$N" --ramp 10 --phone-prefix "07$run" --server-pid "$pid"
  done
  kill "$pid"
fi

if [ "$WHICH" != sqlite ]; then
  echo "### PostgreSQL, two instances, $N participants, ramp 10 s"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS hoithi_bench" -c "CREATE DATABASE hoithi_bench"
  url=postgres://postgres@127.0.0.1:5432/hoithi_bench
  HOITHI_BIND=127.0.0.1:18101 HOITHI_DATABASE_URL=$url HOITHI_POOL_SIZE=16 RUST_LOG=warn HOITHI_RATE_LIMITS=off "$BIN/hoithi" serve >"$work/pg1.log" 2>&1 &
  p1=$!
  wait_up 18101
  HOITHI_BIND=127.0.0.1:18102 HOITHI_DATABASE_URL=$url HOITHI_POOL_SIZE=16 HOITHI_DEMO=off RUST_LOG=warn HOITHI_RATE_LIMITS=off "$BIN/hoithi" serve >"$work/pg2.log" 2>&1 &
  p2=$!
  wait_up 18102
  for run in 1 2 3; do
    echo "--- run $run"
    "$BIN/hoithi-load" --url http://127.0.0.1:18101 --url http://127.0.0.1:18102 --participants "$N" --ramp 10 \
      --phone-prefix "08$run" --server-pid "$p1" --server-pid "$p2"
  done
  kill "$p1" "$p2"
fi
