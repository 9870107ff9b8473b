#!/usr/bin/env bash
# Schema-driven check of the API against its own generated OpenAPI document:
# starts the server (already built: BIN, default target/debug/hoithi) on a
# fresh SQLite file with the demo contest, signs in as an administrator and
# runs schemathesis (from PyPI) for at most MAX_TIME seconds per pass.
# Fails on any server error or any response the document does not allow.
#
#   bash .ci/schemathesis.sh [MAX_TIME]        (default 120 s per pass)
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_TIME=${1:-120}
BIN=${BIN:-target/debug/hoithi}
[ -x "$BIN" ] || { echo "schemathesis: $BIN is not built" >&2; exit 1; }
command -v schemathesis >/dev/null 2>&1 || python3 -m pip install --quiet 'schemathesis>=4.3,<5'

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export HOITHI_DATABASE_URL="sqlite://$work/hoithi.db" HOITHI_BIND="127.0.0.1:$port" \
  HOITHI_RATE_LIMITS=off RUST_LOG=warn
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
"$BIN" migrate >/dev/null
printf '%s\n' "$password" | "$BIN" create-user --username fuzz-admin --role admin --password-stdin >/dev/null
"$BIN" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

# api METHOD PATH JSON FIELD [TOKEN]: prints FIELD of the JSON answer; on
# an error status prints the answer and fails.
api() {
  local out
  out=$(curl -sS -X "$1" -H 'content-type: application/json' ${5:+-H "Authorization: Bearer $5"} \
    -d "$3" -w '\n%{http_code}' "$base/api/v1$2")
  case "${out##*$'\n'}" in
    2??) printf '%s' "${out%$'\n'*}" | python3 -c "import json,sys; print(json.load(sys.stdin)['$4'])" ;;
    *) echo "schemathesis: $1 $2 answered ${out##*$'\n'}: ${out%$'\n'*}" >&2; return 1 ;;
  esac
}
login() { api POST /auth/login "{\"username\":\"fuzz-admin\",\"password\":\"$password\"}" token; }

# Operations that end the caller's own session or change its password would
# sign the fuzzer out; they are exercised by the integration tests instead.
skip='^/api/v1/auth/(logout|logout-all|password)$'
status=0
run() {
  # From the scratch folder: schemathesis keeps its cache where it runs.
  (cd "$work" && schemathesis --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" --checks all \
    --exclude-checks ignored_auth,positive_data_acceptance,use_after_free,ensure_resource_availability \
    --exclude-path-regex "$skip" --max-time "$MAX_TIME" --workers 1 \
    --request-timeout 20 --suppress-health-check all --warnings off "$@") || status=1
}
# A participant of the demo contest, with an attempt the paper operations
# work on (the fuzzer keeps the contest and the attempt fixed).
phone=09$(python3 -c 'import secrets; print(secrets.randbelow(10**8))' | xargs printf '%08d')
participant=$(api POST /contests/dvc-2023/participants \
  "{\"full_name\":\"Nguyễn Văn Thử\",\"birth_date\":\"2001-05-01\",\"phone\":\"$phone\",\"unit_code\":\"CD-AP1\",\"category\":\"doan_vien\",\"consent\":true}" token)
attempt=$(api POST /contests/dvc-2023/attempts '{}' attempt_id "$participant")
cat >"$work/schemathesis.toml" <<TOML
[parameters]
"path.slug" = "dvc-2023"
"path.id" = "$attempt"
TOML
echo "schemathesis: as a participant (attempt $attempt)"
run -H "Authorization: Bearer $participant" \
  --include-path-regex '^/api/v1/(attempts/|contests/\{slug\}/attempts$)'

# Then as anyone and as an administrator (last: it may close the round).
: >"$work/schemathesis.toml"
echo "schemathesis: without credentials"
run
echo "schemathesis: as an administrator"
run -H "Authorization: Bearer $(login)"

if grep -q 'panicked' "$work/server.log"; then
  echo "schemathesis: the server panicked" >&2
  grep -m5 'panicked' "$work/server.log" >&2
  status=1
fi
exit $status
