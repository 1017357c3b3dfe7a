#!/usr/bin/env bash
# Runs the agent against a real ClickHouse on this machine, end to end:
#   1. installs what is missing (JDK, Maven, clickhouse-server, socat) and builds the jar,
#   2. starts a throwaway ClickHouse in a temp dir (or uses $CH_URL if you have one running),
#   3. starts bin/spoold, puts rows through its Unix socket, and shows them arriving in ClickHouse.
# Leaves nothing running when it ends (Ctrl-C stops it early). Usage: scripts/demo.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -n "${CH_URL:-}" ] || command -v clickhouse-server >/dev/null 2>&1 || need+=(clickhouse-server)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi
echo "demo: building" >&2
build_log="$(mktemp)"
mvn -B -q -ntp -DskipTests package test-compile >"$build_log" 2>&1 || { cat "$build_log"; exit 1; }
rm -f "$build_log"

work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

if [ -z "${CH_URL:-}" ]; then
  java -cp "target/classes:target/test-classes:target/lib/*" org.chspool.testing.LocalClickHouseServer > "$work/ch.out" 2>"$work/ch.err" &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q CLICKHOUSE_URL "$work/ch.out" && break; sleep 0.1; done
  CH_URL="$(sed -n 's/^CLICKHOUSE_URL=//p' "$work/ch.out")"
  [ -n "$CH_URL" ] || { echo "demo: ClickHouse did not start:"; cat "$work/ch.err"; exit 1; }
fi
q() { curl -sS --fail-with-body "$CH_URL/" --data-binary "$1"; }
echo "demo: ClickHouse $(q 'SELECT version()') at $CH_URL" >&2
q "CREATE TABLE IF NOT EXISTS default.demo_events (id UInt64, at DateTime, msg String) ENGINE = MergeTree ORDER BY id"

# Unix sockets only: their file mode (0660) is the authentication, so no token is needed. (TCP listeners,
# CH_LISTEN / CH_HTTP_LISTEN, would need CH_AUTH_TOKEN: any local user can reach a loopback port.)
CH_URL="$CH_URL" CH_SPOOL_DIR="$work/spool" CH_LISTEN= CH_ADMIN_LISTEN= CH_HTTP_LISTEN= \
  bin/spoold > "$work/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$work/spool/put.sock" ] && break; sleep 0.1; done
[ -S "$work/spool/put.sock" ] || { echo "demo: agent did not start:"; cat "$work/agent.log"; exit 1; }
for _ in $(seq 1 100); do grep -q " started: " "$work/agent.log" && break; sleep 0.1; done
grep -m1 " started: " "$work/agent.log" >&2 || true

echo "demo: putting $rows rows through $work/spool/put.sock" >&2
answers="$(for i in $(seq 1 "$rows"); do
  printf '{"table":"demo_events","row":{"id":%d,"at":"2026-11-21T12:00:00+00:00","msg":"hello %d"}}\n' "$i" "$i"
done | socat -t 5 - UNIX-CONNECT:"$work/spool/put.sock")"
echo "demo: $(grep -c '"ok":true' <<<"$answers") acknowledged (each ack = committed in the spool)" >&2

for _ in $(seq 1 100); do
  n="$(q 'SELECT count() FROM default.demo_events')"
  [ "$n" -ge "$rows" ] && break; sleep 0.1
done
echo "demo: ClickHouse holds $n rows in default.demo_events"
[ "$n" -eq "$rows" ]
