#!/usr/bin/env bash
# Answer-save rate and its share of /healthz for two builds of hoithi, in one
# run, alternating A and B so machine noise falls on both.
#   benches/compare_saves.sh DIR_A DIR_B [PARTICIPANTS] [RAMP_SECONDS] [RUNS]
# Each DIR holds a `hoithi` and a `hoithi-load` binary (e.g. copies of
# target/release from two commits). Embedded SQLite, a fresh file per run,
# per-address limits off (every simulated participant is one address).
set -euo pipefail
a=$1 b=$2 n=${3:-10000} ramp=${4:-10} runs=${5:-2}
run() {
  local bin=$1 tag=$2 port=$3 prefix=$4 d
  d=$(mktemp -d)
  HOITHI_BIND=127.0.0.1:$port HOITHI_DATABASE_URL="sqlite://$d/x.db" RUST_LOG=warn HOITHI_RATE_LIMITS=off \
    "$bin/hoithi" serve > "$d/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.5; done
  "$bin/hoithi-load" --url "http://127.0.0.1:$port" --contest dvc-2023 --participants "$n" --ramp "$ramp" \
      --phone-prefix "$prefix" --healthz-seconds 2 --server-pid "$pid" 2>&1 \
    | grep -E "answer saves|healthz alone|lost|peak RSS|^save answer" | sed "s/^/$tag: /" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$d"
}
for i in $(seq 1 "$runs"); do
  run "$a" A 18201 "05$i"
  run "$b" B 18202 "04$i"
done
