#!/usr/bin/env bash
# The database's bad moment of issue #16, rehearsed on this machine's
# PostgreSQL: one release instance under a hoithi-load run; at second
# BLIP_AT every connection to its database is terminated and the database
# refuses new ones for DOWN seconds (a restart or failover), then comes back.
# Prints the load report (statuses per endpoint, 0 lost), the /readyz
# timeline and how long the instance took to serve again.
#
#   bash benches/db_blip.sh [PARTICIPANTS=1000] [BLIP_AT=5] [DOWN=2]
#
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
participants=${1:-1000}
blip_at=${2:-5}
down=${3:-2}
admin=postgres://postgres@127.0.0.1:5432/postgres
db=hoithi_blip
port=18090
cargo build --release --bins -q
out=$(mktemp -d)
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
HOITHI_BIND=127.0.0.1:$port HOITHI_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" \
  HOITHI_RATE_LIMITS=off RUST_LOG=warn target/release/hoithi serve > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done

# /readyz every 100 ms, with a timestamp.
( while kill -0 $server 2>/dev/null; do
    printf '%s %s\n' "$(date +%s.%N)" "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
    sleep 0.1
  done ) > "$out/readyz.log" &
poller=$!

# The blip.
( sleep "$blip_at"
  echo "down $(date +%s.%N)"
  psql -q "$admin" -c "ALTER DATABASE $db ALLOW_CONNECTIONS false" \
    -c "SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity WHERE datname = '$db'"
  sleep "$down"
  psql -q "$admin" -c "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null
  echo "up $(date +%s.%N)" ) > "$out/blip.log" 2>&1 &
blip=$!

status=0
target/release/hoithi-load --url "http://127.0.0.1:$port" --participants "$participants" --ramp 10 \
  --healthz-seconds 0 --allow-503 --server-pid "$server" | tee "$out/load.log" || status=$?
wait $blip || true
kill $poller 2>/dev/null || true

cat "$out/blip.log"
down_at=$(awk '/^down/ {print $2}' "$out/blip.log")
up_at=$(awk '/^up/ {print $2}' "$out/blip.log")
awk -v d="$down_at" -v u="$up_at" '
  $1 >= d && $2 != 200 && !first_bad { first_bad = $1 }
  $1 >= d { if ($2 != 200) last_bad = $1; n[$2]++ }
  $1 >= u && $2 == 200 && !back { back = $1 }
  END {
    printf "/readyz after the blip began:"; for (s in n) printf " %s×%d", s, n[s]; print ""
    if (first_bad) printf "/readyz first not-200 %.1f s after the blip, last %.1f s after it\n", first_bad - d, last_bad - d
    if (back) printf "/readyz 200 again %.2f s after the database came back\n", back - u
  }' "$out/readyz.log"
echo "500s seen by the load: $(grep -o "500×[0-9]*" "$out/load.log" | paste -sd " " - | sed "s/^$/none/")"
echo "logs: $out"
exit $status
