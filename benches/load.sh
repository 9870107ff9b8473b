#!/usr/bin/env bash
# Runs hoithi-load against release servers on this machine, 3 runs per
# backend, and prints the reports. Usage:
#   bash benches/load.sh [participants] [sqlite|postgres|both]
# PostgreSQL: the local server (trust auth, user postgres); the script
# creates a fresh database hoithi_bench and starts INSTANCES (default 2)
# instances on it. BOARD_READERS=N adds N connections reading the boards;
# PROBE=N (default 1000) sets the participants of the cost probe that
# measures the server's CPU per kind of request after each run. RAMP=S
# (default 10) starts the participants over S seconds: each answers as fast
# as the server lets, so the offered save rate is about participants x 26 /
# RAMP (2,000 in 10 s offer ~5,300 saves/s; a higher rate needs a shorter
# ramp or more participants).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
WHICH="${2:-both}"
. benches/common.sh

if [ "$WHICH" != postgres ]; then
  echo "### SQLite, $N participants, ramp ${RAMP:-10} s"
  HOITHI_BIND=127.0.0.1:18100 HOITHI_DATABASE_URL="sqlite://$work/bench.db" RUST_LOG=warn HOITHI_RATE_LIMITS=off "$BIN/hoithi" serve >"$work/sqlite.log" 2>&1 &
  pid=$!
  wait_up 18100
  for run in ${RUNS:-1 2 3}; do
    echo "--- run $run"
    "$BIN/hoithi-load" --url http://127.0.0.1:18100 --participants "$N" --ramp "${RAMP:-10}" --phone-prefix "07$run" \
      --board-readers "${BOARD_READERS:-0}" --server-pid "$pid" --cost-probe "${PROBE:-1000}"
  done
  kill "$pid"
fi

if [ "$WHICH" != sqlite ]; then
  K="${INSTANCES:-2}"
  echo "### PostgreSQL, $K instance(s), $N participants, ramp ${RAMP:-10} s"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS hoithi_bench" -c "CREATE DATABASE hoithi_bench"
  url=postgres://postgres@127.0.0.1:5432/hoithi_bench
  urls=(); pids=()
  for k in $(seq 1 "$K"); do
    port=$((18100 + k))
    demo=$([ "$k" = 1 ] && echo on || echo off)
    HOITHI_BIND=127.0.0.1:$port HOITHI_DATABASE_URL=$url HOITHI_POOL_SIZE=16 HOITHI_DEMO=$demo RUST_LOG=warn HOITHI_RATE_LIMITS=off \
      "$BIN/hoithi" serve >"$work/pg$k.log" 2>&1 &
    pids+=("$!"); urls+=(--url "http://127.0.0.1:$port")
    wait_up "$port"
  done
  # --cpu-of postgres: PostgreSQL's own CPU (every postgres process) too.
  # Each run starts from a vacuumed and analyzed database, as autovacuum
  # would leave it (it may be off on a test server, and the runs then slow
  # down one after the other on dead rows and missing statistics).
  for run in ${RUNS:-1 2 3}; do
    echo "--- run $run"
    psql -q -h 127.0.0.1 -U postgres -d hoithi_bench -c "VACUUM ANALYZE"
    "$BIN/hoithi-load" "${urls[@]}" --participants "$N" --ramp "${RAMP:-10}" --phone-prefix "08$run" \
      --board-readers "${BOARD_READERS:-0}" $(printf -- '--server-pid %s ' "${pids[@]}") \
      --cpu-of postgres --cost-probe "${PROBE:-1000}"
  done
  kill "${pids[@]}"
fi
