#!/usr/bin/env bash
# hoithi behind deploy/nginx.conf (issue #31): a self-signed certificate for
# localhost, nginx with the shipped site file (only the domain, the
# certificate paths, the ports and the upstream replaced), then the proxy
# test, which starts hoithi on the upstream port itself. Also checks the
# systemd units with systemd-analyze (a missing one fails the run).
# Usage: bash .ci/proxy.sh [LOG]   (nginx must be installed; .ci/run does it)
set -euo pipefail
cd "$(dirname "$0")/.."
log="${1:-/dev/null}"
dir="$(mktemp -d)"
chmod 755 "$dir"
https_port=18443 http_port=18080 upstream=127.0.0.1:18089

# A throwaway certificate authority, and the site's certificate from it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hoithi test CA" \
  -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$dir/privkey.pem" -out "$dir/site.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$dir/site.ext"
openssl x509 -req -in "$dir/site.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 2 -extfile "$dir/site.ext" -out "$dir/fullchain.pem" 2>/dev/null

# The shipped site, pointed at this test's certificate, ports and upstream.
sed -e "s|/etc/letsencrypt/live/hoithi.example.vn/|$dir/|g" \
    -e "s|hoithi.example.vn|localhost|g" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https_port ssl http2;|" \
    -e "s|listen 80;|listen 127.0.0.1:$http_port;|" \
    -e "/listen \[::\]:/d" \
    -e "s|server 127.0.0.1:8080;|server $upstream;|" \
    deploy/nginx.conf > "$dir/site.conf"
for want in "listen 127.0.0.1:$https_port ssl http2;" "server $upstream;" "ssl_certificate     $dir/fullchain.pem;"; do
  grep -qF "$want" "$dir/site.conf" || { echo "deploy/nginx.conf changed: cannot place '$want'"; exit 1; }
done
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/site.conf;
}
CONF
nginx -t -c "$dir/nginx.conf" -p "$dir"
nginx -c "$dir/nginx.conf" -p "$dir"
trap 'nginx -c "$dir/nginx.conf" -p "$dir" -s stop 2>/dev/null || true' EXIT

HOITHI_PROXY_TEST_URL="https://localhost:$https_port" \
HOITHI_PROXY_TEST_CA="$dir/ca.pem" \
HOITHI_PROXY_TEST_UPSTREAM="$upstream" \
  cargo test --test api -- --ignored proxy:: 2>&1 | tee "$log" || true
grep -q "^test proxy::a_participant_and_an_organizer_through_https_behind_nginx ... ok" "$log" \
  || { echo "the proxy test did not pass"; cat "$dir/error.log"; exit 1; }

# The systemd units, as systemd reads them (the service's binary replaced
# by the one just built: verify wants it to exist).
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing: the units are not checked"; exit 1; }
sed "s|/usr/local/bin/hoithi|$PWD/target/debug/hoithi|" 'deploy/hoithi@.service' > "$dir/hoithi@.service"
cp deploy/hoithi-pgdump.service deploy/hoithi-pgdump.timer "$dir/"
# verify exits 0 on a setting it ignores: anything it says is a failure.
said="$(cd "$dir" && systemd-analyze verify ./hoithi@8080.service ./hoithi-pgdump.service ./hoithi-pgdump.timer 2>&1)" \
  || { echo "$said"; exit 1; }
[ -z "$said" ] || { echo "systemd-analyze verify: $said"; exit 1; }
echo "systemd units verified"
