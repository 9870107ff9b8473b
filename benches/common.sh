# Sourced by the benchmark scripts (from the checkout's root): builds the
# release binaries once, makes a scratch folder, stops every server the
# script started when it exits, and waits for a port to accept.
cargo build --release --bins >/dev/null
BIN=target/release
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
wait_up() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.2; done; return 1; }
