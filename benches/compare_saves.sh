#!/usr/bin/env bash
# Answer-save share of /healthz: two builds compared in one run, alternating.
# Usage: build both (target/debug of each commit copied to /tmp/basebin and
# /tmp/new), then run this script; see BENCHMARKS.md.
set -u
run() {
  local bin=$1 tag=$2 port=$3
  d=$(mktemp -d)
  HOITHI_BIND=127.0.0.1:$port HOITHI_DATABASE_URL="sqlite://$d/x.db" RUST_LOG=warn HOITHI_RATE_LIMITS=off "$bin/hoithi" serve > "$d/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
  "$bin/hoithi-load" --url http://127.0.0.1:$port --contest dvc-2023 --participants 800 --ramp 3 --healthz-seconds 2 --server-pid $pid 2>&1 | grep -E "answer saves|healthz alone|lost" | sed "s/^/$tag: /"
  kill $pid; wait $pid 2>/dev/null
}
for i in 1 2; do
  run /tmp/basebin base 18201
  run /tmp/new new 18202
done
